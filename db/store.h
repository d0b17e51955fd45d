// Store: the persistent record of studies, trials, segments, metric series,
// checkpoints and events. Every method is one transaction: it either happens
// completely or not at all. Reads return snapshots (plain values).
// Implementations are safe for concurrent use from several threads (calls are
// serialised internally). Errors: NotFound for unknown ids, AlreadyExists for a
// duplicate study name, Internal/Unavailable for storage faults.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <optional>
#include <string>
#include <vector>

#include "tuner/core/params.h"
#include "tuner/core/spec.h"
#include "tuner/core/status.h"
#include "tuner/core/trial.h"

namespace autotune {

// PBT's exploit: a trial continues from another trial's checkpoint with new
// params. Applying it sets the trial's params, parent (the source), generation,
// step (the checkpoint's) and resume checkpoint (the source's path, which is
// thereby pinned until the trial records a checkpoint of its own).
struct Exploit {
  std::int64_t source_trial_id = 0;
  std::string checkpoint;  // the source's complete checkpoint
  std::int64_t step = 0;   // the step that checkpoint holds
  Params params;           // the trial's new params
  int generation = 0;
};

// A scheduler's decision applied to a trial (state and plan), in one transaction.
struct TrialUpdate {
  TrialState state = TrialState::kPending;
  std::int64_t next_step_end = 0;  // pending trials: the end of the next segment (0 keeps the old plan)
  std::string error;               // "" keeps the trial's earlier error
  std::optional<Params> params;    // new params for its next segment (a schedule, an explore)
  std::optional<Exploit> exploit;
};

// How a finished segment changes its trial; applied with the segment's end in
// one transaction.
struct SegmentOutcome {
  SegmentState state = SegmentState::kCompleted;
  int exit_code = 0;
  std::string error;     // segment's failure reason
  std::string log_tail;  // last lines of the program's other output
  std::optional<double> segment_value;  // objective at this segment's last reported step
  // The trial after this segment.
  TrialState trial_state = TrialState::kCompleted;
  std::optional<double> value;     // trial's objective value, if known
  std::int64_t trial_step = 0;     // steps the trial has completed
  std::string checkpoint;          // new latest complete checkpoint ("" = unchanged)
  std::string trial_error;         // set on the trial when it fails
  std::int64_t next_step_end = 0;  // pending: the end of its next segment (0 keeps the old plan)
  std::optional<Params> next_params;  // new params for its next segment
  std::optional<Exploit> exploit;  // applied after the checkpoint above is recorded
  // Metric points of this segment recorded with its end, as AppendMetrics
  // would have before it (an ask/tell worker's final value and its step).
  std::vector<MetricPoint> points;
};

struct CheckpointRecord {
  std::int64_t id = 0;
  std::int64_t trial_id = 0;
  std::int64_t segment_id = 0;  // the segment that wrote it (0 for a copy)
  std::int64_t step = 0;
  std::string path;
  bool deleted = false;
  std::optional<std::int64_t> origin_trial_id;  // a copy of this trial's checkpoint (PBT exploit)
  std::int64_t bytes = 0;                       // disk use when recorded
};

// A page of a study's trials, by number.
struct TrialQuery {
  std::optional<TrialState> state;  // only trials in this state
  int after_number = -1;            // cursor: trials with a larger number
  int limit = 100;                  // > 0
};

// What schedulers and searchers need of a segment, without its log.
struct SegmentSummary {
  std::int64_t id = 0;
  std::int64_t trial_id = 0;
  std::int64_t step_begin = 0, step_end = 0;
  SegmentState state = SegmentState::kRunning;
  std::optional<double> value;
};

// A study's single-owner lock (see Store::AcquireStudy). Destroying it
// releases the study.
class StudyLease {
 public:
  virtual ~StudyLease() = default;
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
  // Applies a decision to a trial that is not running (FailedPrecondition for
  // a running or finished trial); an exploit needs a complete source path.
  virtual Status UpdateTrial(std::int64_t trial_id, const TrialUpdate& update) = 0;
  // Trials per state, indexed by TrialState.
  virtual StatusOr<std::array<int, 6>> CountTrials(std::int64_t study_id) = 0;
  // The completed trial with the best value (lowest for kMin, highest for
  // kMax; NaN values never win; ties go to the lower number), if any.
  virtual StatusOr<std::optional<TrialRecord>> BestTrial(std::int64_t study_id, Mode mode) = 0;
  // A page of trials ordered by number; InvalidArgument for limit < 1.
  virtual StatusOr<std::vector<TrialRecord>> ListTrialsPage(std::int64_t study_id, const TrialQuery& query) = 0;

  // Segments. StartSegment stores the segment running (its id, attempt and
  // times are filled in), marks its trial running and makes the segment's
  // params the trial's params (the params history is the segments').
  // attempt = the number of the trial's earlier segments with the same
  // step_begin; "{attempt}" in checkpoint_dir is replaced by it, so a retry
  // after a crash never reuses an earlier attempt's folder. source_trial_id
  // is the trial whose checkpoint resume_from is (found in the checkpoints
  // table; the given value otherwise). FailedPrecondition when the trial is
  // finished (IsFinished) or already has a running segment; InvalidArgument
  // unless 0 <= begin <= end.
  virtual StatusOr<SegmentRecord> StartSegment(const SegmentRecord& segment) = 0;
  // An ask/tell worker's trial: CreateTrial (no parent) and StartSegment of
  // its first segment (`segment` with trial_id and params set from the new
  // trial) in one transaction; the trial is returned running. Errors as for
  // those two; on any, nothing is written.
  virtual StatusOr<std::pair<TrialRecord, SegmentRecord>> CreateRunningTrial(
      std::int64_t study_id, const Params& params, const SegmentRecord& segment) = 0;
  // Reports of one segment and step merge into one point (a name reported
  // again replaces its value); a point without values records nothing.
  // FailedPrecondition when the segment is no longer running.
  virtual Status AppendMetrics(std::int64_t segment_id, const MetricPoint& point) = 0;
  // Many points in one transaction (the coordinator buffers reports). Points
  // of segments that are no longer running are skipped; NotFound for an
  // unknown segment.
  virtual Status AppendMetricsBatch(const std::vector<std::pair<std::int64_t, MetricPoint>>& points) = 0;
  // Ends a running segment, records outcome.points as its metrics and
  // applies the outcome to its trial; a new checkpoint is recorded in the
  // checkpoints table.
  // An absent value, empty checkpoint or empty trial_error keeps the trial's
  // earlier one. FailedPrecondition when the segment already finished.
  virtual Status FinishSegment(std::int64_t segment_id, const SegmentOutcome& outcome) = 0;
  virtual StatusOr<std::vector<SegmentRecord>> ListSegments(std::int64_t trial_id) = 0;
  // Every segment of a study, by id, without params or logs.
  virtual StatusOr<std::vector<SegmentSummary>> ListSegmentSummaries(std::int64_t study_id) = 0;
  // The trial's metric series across all its segments, ordered by step.
  // One point per (segment, step); points of one step (retries) by segment id.
  virtual StatusOr<std::vector<MetricPoint>> GetMetrics(std::int64_t trial_id) = 0;

  virtual StatusOr<std::vector<CheckpointRecord>> ListCheckpoints(std::int64_t trial_id) = 0;
  // Makes a checkpoint that no segment of this trial wrote (a PBT copy) the
  // trial's resume checkpoint: records it and sets the trial's checkpoint.
  virtual StatusOr<CheckpointRecord> RecordCheckpoint(const CheckpointRecord& checkpoint) = 0;
  // Records that a checkpoint's files are about to be removed. A checkpoint
  // is pinned, and this fails with FailedPrecondition, while a trial that is
  // not finished would resume from it (it is that trial's checkpoint).
  virtual Status MarkCheckpointDeleted(std::int64_t checkpoint_id) = 0;
  // The study's checkpoints not marked deleted.
  virtual StatusOr<std::vector<CheckpointRecord>> ListLiveCheckpoints(std::int64_t study_id) = 0;

  // After a crash: segments of the study still marked running are cancelled
  // (error "interrupted") and their trials set back to pending. Returns how many.
  // ("How many" counts the cancelled segments; every running trial of the
  // study goes back to pending.)
  virtual StatusOr<int> RecoverInterrupted(std::int64_t study_id) = 0;

  // Events with id > after_id, oldest first, at most limit.
  // Event kinds and when each is logged: db/events.h. limit must be > 0.
  virtual StatusOr<std::vector<EventRecord>> ListEvents(std::int64_t study_id, std::int64_t after_id,
                                                        int limit) = 0;
  // Logs an event of the coordinator's own (e.g. "scheduler.promoted").
  virtual Status AddEvent(std::int64_t study_id, std::optional<std::int64_t> trial_id, const std::string& kind,
                          const std::string& detail) = 0;

  // Study attributes: small named texts the engine records (the searcher
  // `auto` chose, the owner of the study, ...). Setting "" removes one.
  virtual Status SetStudyAttribute(std::int64_t study_id, const std::string& key, const std::string& value) = 0;
  virtual StatusOr<std::map<std::string, std::string>> StudyAttributes(std::int64_t study_id) = 0;

  // One owner per study: the lease is exclusive across processes and within
  // one (a second AcquireStudy of the same study fails with
  // FailedPrecondition, naming the owner recorded in the "owner" attribute),
  // and ends when the lease is destroyed or its process dies, kill -9
  // included. `owner` describes the holder ("pid 12 on host").
  virtual StatusOr<std::unique_ptr<StudyLease>> AcquireStudy(std::int64_t study_id, const std::string& owner) = 0;

  // Write groups (group commit): the calls between BeginGroup and EndGroup,
  // on the thread that began the group, commit together, once, at
  // EndGroup, instead of once each. Each call stays all or nothing: one
  // that fails leaves the group's other writes as they were. None of a
  // group's writes is durable (or seen by other connections) before
  // EndGroup returns OK; when EndGroup fails, none of them happened. Other
  // threads' calls wait for the group to end. Groups do not nest. A store
  // without transactions (the in-memory one) groups nothing.
  virtual Status BeginGroup() { return Status::Ok(); }
  virtual Status EndGroup() { return Status::Ok(); }
};

// Opens (creating and migrating as needed) a SQLite store at path; ":memory:"
// gives a private in-memory database.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// A store kept in process memory; passes the same contract tests.
std::unique_ptr<Store> NewMemoryStore();

}  // namespace autotune
