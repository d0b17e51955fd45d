// JSON edge of the core: study specs, params and metrics to and from JSON text.
#pragma once

#include <cstddef>
#include <string>

#include "tuner/core/params.h"
#include "tuner/core/spec.h"
#include "tuner/core/status.h"
#include "tuner/core/trial.h"

namespace autotune {

struct ParsedSpec {
  StudySpec spec;
  // The spec as canonical JSON (spec_canonical.h: defaults filled in, sorted
  // keys, command paths resolved): what the store keeps and what "same spec"
  // means on resume.
  std::string canonical_json;
};

struct SpecParseOptions {
  // Require trial.command[0] to name an executable file. Off for reading
  // back a stored spec (queries must work where the program is absent).
  bool check_programs = true;
};

// Parses and validates a spec. Unknown fields, wrong types and impossible
// values are rejected with the field's path ("budget.max_trials").
// Relative paths in trial.command are resolved against base_dir; argv[0] must
// name an executable (a path, or a program found on PATH). The scheduler
// section's algorithm and options are checked by MakeScheduler.
StatusOr<ParsedSpec> ParseStudySpec(const std::string& text, const std::string& base_dir,
                                    const SpecParseOptions& options = {});

// The largest spec file ReadSpecFile accepts (4 MiB): far above any real
// spec, small enough that reading and parsing one is instant.
inline constexpr std::size_t kMaxSpecFileBytes = std::size_t{4} << 20;

// Reads a spec file. Refuses, without reading from them, paths that are not
// regular files (/dev/zero, a FIFO, a directory) and files over
// kMaxSpecFileBytes, also one that grows past the limit while it is read.
// Errors say which file and why.
StatusOr<std::string> ReadSpecFile(const std::string& path);

std::string ParamsToJson(const Params& p);
StatusOr<Params> ParamsFromJson(const std::string& text);
std::string MetricsToJson(const Metrics& m);
StatusOr<Metrics> MetricsFromJson(const std::string& text);

}  // namespace autotune
