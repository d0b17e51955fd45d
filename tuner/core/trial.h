// Trial and segment records: immutable snapshots that cross module boundaries
// (store -> coordinator -> CLI/web). See ARCHITECTURE.md "Core model".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tuner/core/params.h"

namespace autotune {

enum class TrialState { kPending, kRunning, kPaused, kCompleted, kPruned, kFailed };
enum class SegmentState { kRunning, kCompleted, kFailed, kCancelled };
enum class StudyState { kRunning, kCompleted, kFailed, kStopped };

const char* ToString(TrialState s);
const char* ToString(SegmentState s);
const char* ToString(StudyState s);
bool ParseTrialState(const std::string& s, TrialState* out);
bool ParseSegmentState(const std::string& s, SegmentState* out);
bool ParseStudyState(const std::string& s, StudyState* out);
// Completed, pruned and failed trials never run again.
inline bool IsFinished(TrialState s) {
  return s == TrialState::kCompleted || s == TrialState::kPruned || s == TrialState::kFailed;
}

using Metrics = std::map<std::string, double>;

struct MetricPoint {
  std::int64_t step = 0;
  Metrics values;
};

struct StudyRecord {
  std::int64_t id = 0;
  std::string name;
  std::string spec_json;  // canonical JSON of the spec (sorted keys)
  StudyState state = StudyState::kRunning;
  double created_at = 0;  // unix seconds
  double finished_at = 0;
};

struct TrialRecord {
  std::int64_t id = 0;
  std::int64_t study_id = 0;
  int number = 0;  // 0-based order of creation within the study
  Params params;
  TrialState state = TrialState::kPending;
  std::optional<double> value;  // objective at the last reported step
  std::int64_t step = 0;        // steps completed (end of the last completed segment)
  std::optional<std::int64_t> parent_id;  // PBT lineage
  int generation = 0;
  std::string checkpoint;  // the complete checkpoint it resumes from, "" if none
  std::string error;       // why it failed, for failed trials
  // Pending trials: the end of the next segment the scheduler planned (0 or
  // <= step when none was planned yet).
  std::int64_t next_step_end = 0;
  double created_at = 0, updated_at = 0;
};

struct SegmentRecord {
  std::int64_t id = 0;
  std::int64_t trial_id = 0;
  int attempt = 0;  // 0 for the first try, 1.. for retries of the same range
  std::int64_t step_begin = 0, step_end = 0;
  Params params;
  std::string resume_from;     // checkpoint dir, "" for a fresh start
  std::string checkpoint_dir;  // where this segment writes its checkpoint
  SegmentState state = SegmentState::kRunning;
  int exit_code = 0;           // exit status, or -signal when killed by one
  std::string error;           // why it failed
  std::string log_tail;        // last lines of non-protocol output
  // Completed segments: the objective at the segment's last reported step.
  std::optional<double> value;
  // Lineage: the trial whose checkpoint this segment resumed from (itself,
  // or the trial a PBT exploit copied); absent for a fresh start.
  std::optional<std::int64_t> source_trial_id;
  double started_at = 0, finished_at = 0;
};

struct EventRecord {
  std::int64_t id = 0;
  std::int64_t study_id = 0;
  std::optional<std::int64_t> trial_id;
  std::string kind;    // "trial.created", "segment.started", "trial.completed", ...
  std::string detail;  // short human-readable text
  double time = 0;
};

}  // namespace autotune
