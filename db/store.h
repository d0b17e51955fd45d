// Store: the persistent record of studies, trials, segments, metric series,
// checkpoints and events. Every method is one transaction: it either happens
// completely or not at all. Reads return snapshots (plain values).
// Implementations are safe for concurrent use from several threads (calls are
// serialised internally). Errors: NotFound for unknown ids, AlreadyExists for a
// duplicate study name, Internal/Unavailable for storage faults.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tuner/core/params.h"
#include "tuner/core/status.h"
#include "tuner/core/trial.h"

namespace autotune {

// How a finished segment changes its trial; applied with the segment's end in
// one transaction.
struct SegmentOutcome {
  SegmentState state = SegmentState::kCompleted;
  int exit_code = 0;
  std::string error;     // segment's failure reason
  std::string log_tail;  // last lines of the program's other output
  // The trial after this segment.
  TrialState trial_state = TrialState::kCompleted;
  std::optional<double> value;     // trial's objective value, if known
  std::int64_t trial_step = 0;     // steps the trial has completed
  std::string checkpoint;          // new latest complete checkpoint ("" = unchanged)
  std::string trial_error;         // set on the trial when it fails
};

struct CheckpointRecord {
  std::int64_t id = 0;
  std::int64_t trial_id = 0;
  std::int64_t segment_id = 0;
  std::int64_t step = 0;
  std::string path;
  bool deleted = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // Studies. CreateStudy fails with AlreadyExists when the name is taken.
  virtual StatusOr<StudyRecord> CreateStudy(const std::string& name, const std::string& spec_json) = 0;
  virtual StatusOr<std::optional<StudyRecord>> FindStudy(const std::string& name) = 0;
  virtual StatusOr<StudyRecord> GetStudy(std::int64_t study_id) = 0;
  virtual StatusOr<std::vector<StudyRecord>> ListStudies() = 0;
  virtual Status SetStudyState(std::int64_t study_id, StudyState state) = 0;

  // Trials. CreateTrial numbers the trial (count of the study's trials so far),
  // stores it pending and logs a "trial.created" event.
  virtual StatusOr<TrialRecord> CreateTrial(std::int64_t study_id, const Params& params,
                                            std::optional<std::int64_t> parent_id, int generation) = 0;
  virtual StatusOr<TrialRecord> GetTrial(std::int64_t trial_id) = 0;
  // The study's trials ordered by number.
  virtual StatusOr<std::vector<TrialRecord>> ListTrials(std::int64_t study_id) = 0;
  // Sets a trial's state (and error text, kept when empty) and logs an event.
  virtual Status SetTrialState(std::int64_t trial_id, TrialState state, const std::string& error) = 0;

  // Segments. StartSegment stores the segment running (its id, attempt and
  // times are filled in) and marks its trial running.
  // attempt = the number of the trial's earlier segments with the same
  // step_begin. FailedPrecondition when the trial is finished (IsFinished) or
  // already has a running segment; InvalidArgument unless 0 <= begin <= end.
  virtual StatusOr<SegmentRecord> StartSegment(const SegmentRecord& segment) = 0;
  // Reports of one segment and step merge into one point (a name reported
  // again replaces its value); a point without values records nothing.
  // FailedPrecondition when the segment is no longer running.
  virtual Status AppendMetrics(std::int64_t segment_id, const MetricPoint& point) = 0;
  // Ends a running segment and applies the outcome to its trial; a new
  // checkpoint is recorded in the checkpoints table.
  // An absent value, empty checkpoint or empty trial_error keeps the trial's
  // earlier one. FailedPrecondition when the segment already finished.
  virtual Status FinishSegment(std::int64_t segment_id, const SegmentOutcome& outcome) = 0;
  virtual StatusOr<std::vector<SegmentRecord>> ListSegments(std::int64_t trial_id) = 0;
  // The trial's metric series across all its segments, ordered by step.
  // One point per (segment, step); points of one step (retries) by segment id.
  virtual StatusOr<std::vector<MetricPoint>> GetMetrics(std::int64_t trial_id) = 0;

  virtual StatusOr<std::vector<CheckpointRecord>> ListCheckpoints(std::int64_t trial_id) = 0;
  virtual Status MarkCheckpointDeleted(std::int64_t checkpoint_id) = 0;

  // After a crash: segments of the study still marked running are cancelled
  // (error "interrupted") and their trials set back to pending. Returns how many.
  // ("How many" counts the cancelled segments; every running trial of the
  // study goes back to pending.)
  virtual StatusOr<int> RecoverInterrupted(std::int64_t study_id) = 0;

  // Events with id > after_id, oldest first, at most limit.
  // Event kinds and when each is logged: db/events.h. limit must be > 0.
  virtual StatusOr<std::vector<EventRecord>> ListEvents(std::int64_t study_id, std::int64_t after_id,
                                                        int limit) = 0;
};

// Opens (creating and migrating as needed) a SQLite store at path; ":memory:"
// gives a private in-memory database.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// A store kept in process memory; passes the same contract tests.
std::unique_ptr<Store> NewMemoryStore();

}  // namespace autotune
