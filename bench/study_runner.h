// Helpers of the benchmark programs that run whole studies of real trial
// programs in-process (bench/asha, bench/pbt): the Fashion-MNIST files
// uncompressed once, and a study run through the study service.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "db/store.h"
#include "tuner/coordinator/study_service.h"
#include "tuner/core/spec_json.h"
#include "tuner/executor/local_process.h"

namespace autotune::bench {

// Uncompressed Fashion-MNIST IDX files in `dir` (from Debian's
// dataset-fashion-mnist), made with gzip once. Exits when they cannot be made.
inline std::string PrepareFashionMnist(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  for (const char* f :
       {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    const fs::path out = fs::path(dir) / f;
    if (fs::exists(out)) continue;
    const std::string cmd = "gzip -dc /usr/share/datasets/fashion-mnist/" + std::string(f) + ".gz > '" +
                            out.string() + ".tmp' && mv '" + out.string() + ".tmp' '" + out.string() + "'";
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "cannot prepare %s (install dataset-fashion-mnist)\n", out.c_str());
      std::exit(1);
    }
  }
  return dir;
}

struct StudyOutcome {
  Status status;
  StudyState state = StudyState::kFailed;
  std::optional<TrialRecord> best;
  std::int64_t steps = 0;  // steps of all completed segments
  double wall_s = 0;
};

// Runs the spec (JSON text) to its end in a fresh SQLite store under `dir`,
// with `workers` trial processes at a time.
inline StudyOutcome RunStudy(const std::string& spec_json, const std::string& dir, int workers) {
  namespace fs = std::filesystem;
  StudyOutcome out;
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto parsed = ParseStudySpec(spec_json, dir);
  if (!parsed.ok()) return out.status = parsed.status(), out;
  auto store = OpenSqliteStore(dir + "/store.db");
  if (!store.ok()) return out.status = store.status(), out;
  boost::asio::io_context io;
  LocalProcessOptions eo;
  eo.max_parallel = workers;
  LocalProcessExecutor executor(io, eo);
  ServiceOptions so;
  so.checkpoint_root = dir + "/checkpoints";
  StudyService service(io, **store, executor, so);
  auto opened = service.Open(*parsed);
  if (!opened.ok()) return out.status = opened.status(), out;
  const auto start = std::chrono::steady_clock::now();
  Status run = service.Run(opened->record.id, [&](const Status& s, StudyState st) {
    out.status = s;
    out.state = st;
  });
  if (!run.ok()) return out.status = run, out;
  io.run();
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto best = (*store)->BestTrial(opened->record.id, parsed->spec.objective.mode);
  if (best.ok()) out.best = *best;
  auto segments = (*store)->ListSegmentSummaries(opened->record.id);
  if (segments.ok()) {
    for (const auto& s : *segments)
      if (s.state == SegmentState::kCompleted) out.steps += s.step_end - s.step_begin;
  }
  return out;
}

}  // namespace autotune::bench
