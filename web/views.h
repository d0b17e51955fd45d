// Views of studies and trials as the REST API and the CLI show them, with
// their JSON forms. The server builds them from the Store and sends their
// JSON; the CLI builds them from a store file (`--db`) or decodes them from
// the server's JSON (`--server`), then renders them the same way, so both
// print the same thing.
#pragma once

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/store.h"
#include "tuner/coordinator/lineage.h"
#include "tuner/coordinator/coordinator.h"
#include "tuner/core/spec.h"

namespace autotune::web {

struct StudyView {
  StudyRecord study;  // spec_json: the stored canonical spec
  Objective objective;
  std::string searcher, scheduler;  // algorithms ("" when the stored spec no longer parses)
  Budget budget;                    // the stored spec's (defaults when it no longer parses)
  std::array<int, 6> counts{};      // trials per TrialState
  // The best completed trial. Decoded from the API it holds trial_id,
  // value, params and step only.
  std::optional<TrialRecord> best;
  std::map<std::string, std::string> attributes;
  int live_checkpoints = 0;         // checkpoints kept (not deleted)
  std::int64_t checkpoint_bytes = 0;  // their disk use

  int total() const;
};

// Counts, best trial, attributes and the stored spec's objective.
StatusOr<StudyView> LoadStudyView(Store& store, const StudyRecord& study);

// JSON of params and of optional numbers.
nlohmann::json ParamsJson(const Params& params);
nlohmann::json OptionalJson(const std::optional<double>& v);
nlohmann::json OptionalJson(const std::optional<std::int64_t>& v);
nlohmann::json CountsJson(const std::array<int, 6>& counts);  // {"completed": 3, ...}, zero counts left out

// `autotune ls --json` rows: {"id", "name", "state", "trials", "counts",
// "metric", "best_value", "best_trial_id"}.
nlohmann::json StudySummaryJson(const StudyView& v);
// `autotune show --json`: {"id", "name", "state", "spec", "counts",
// "attributes", "checkpoints": {"live", "bytes"}, "best"} with best as
// BestJson.
nlohmann::json StudyDetailJson(const StudyView& v);
// {"trial_id", "value", "params", "step"}.
nlohmann::json BestJson(const TrialRecord& t);
// A learned PBT schedule (`autotune export --schedule`, GET
// /api/v1/trials/{id}/schedule): {"trial_id", "value", "step", "max_steps",
// "schedule": [{"step", "params"}] (what scheduler replay takes),
// "lineage": [{"step", "trial_id"}] (whose training each stretch was)}.
nlohmann::json ScheduleJson(const LearnedSchedule& schedule, const TrialRecord& trial, std::int64_t max_steps);
// {"trial_id", "number", "study_id", "state", "value", "step", "params",
// "parent_id", "generation", "checkpoint", "error"}.
nlohmann::json TrialJson(const TrialRecord& t);
// {"segment_id", "step_begin", "step_end", "attempt", "state", "exit_code",
// "value", "params", "resume_from", "source_trial_id", "checkpoint_dir",
// "error", "log_tail"}.
nlohmann::json SegmentJson(const SegmentRecord& s);
// {"step", "metrics": {name: value}}.
nlohmann::json MetricPointJson(const MetricPoint& p);
// {"id", "study_id", "trial_id", "kind", "detail", "time"}.
nlohmann::json EventJson(const EventRecord& e);
nlohmann::json ProgressJson(const Progress& p);

// Decoders of the forms above (for the CLI client). InvalidArgument naming
// the field when a value is missing or of the wrong type.
StatusOr<StudyView> StudyViewFromJson(const nlohmann::json& j);
StatusOr<TrialRecord> TrialFromJson(const nlohmann::json& j);
StatusOr<SegmentRecord> SegmentFromJson(const nlohmann::json& j);
StatusOr<Params> ParamsFromJsonValue(const nlohmann::json& j);

// Serialises with invalid UTF-8 replaced rather than thrown on.
std::string Dump(const nlohmann::json& j, int indent = -1);

}  // namespace autotune::web
