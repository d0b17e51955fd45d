// In-memory Store: segments, metrics, checkpoints and crash recovery.
#include <algorithm>
#include <map>
#include <utility>

#include "db/detail/memory_store_impl.h"
#include "db/detail/store_rules.h"

namespace autotune::db_detail {

namespace ev = store_events;

StatusOr<SegmentRecord> MemoryStore::StartSegment(const SegmentRecord& segment) {
  std::lock_guard<std::mutex> lock(mu_);
  return StartSegmentLocked(segment);
}

StatusOr<std::pair<TrialRecord, SegmentRecord>> MemoryStore::CreateRunningTrial(
    std::int64_t study_id, const Params& params, const SegmentRecord& segment) {
  std::lock_guard<std::mutex> lock(mu_);
  // Everything that can fail is checked before anything is written.
  if (segment.step_begin < 0 || segment.step_end < segment.step_begin) return BadRange(segment);
  AT_ASSIGN_OR_RETURN(TrialRecord trial, CreateTrialLocked(study_id, params, std::nullopt, 0));
  SegmentRecord first = segment;
  first.trial_id = trial.id;
  first.params = params;
  AT_ASSIGN_OR_RETURN(SegmentRecord started, StartSegmentLocked(first));
  return std::make_pair(trials_[trial.id - 1], std::move(started));
}

Status MemoryStore::BadRange(const SegmentRecord& segment) {
  return Status::InvalidArgument("segment steps [" + std::to_string(segment.step_begin) + ", " +
                                     std::to_string(segment.step_end) + ") are not a valid range",
                                 "step_end");
}

StatusOr<SegmentRecord> MemoryStore::StartSegmentLocked(const SegmentRecord& segment) {
  if (segment.step_begin < 0 || segment.step_end < segment.step_begin) return BadRange(segment);
  if (!HasTrial(segment.trial_id)) return TrialNotFound(segment.trial_id);
  TrialRecord& trial = trials_[segment.trial_id - 1];
  if (IsFinished(trial.state)) {
    return Status::FailedPrecondition("trial " + std::to_string(trial.id) + " is " + ToString(trial.state) +
                                      " and cannot run again");
  }
  int attempt = 0;
  for (std::int64_t id : trial_segments_[trial.id - 1]) {
    const SegmentRecord& s = segments_[id - 1].record;
    if (s.state == SegmentState::kRunning) {
      return Status::FailedPrecondition("trial " + std::to_string(trial.id) + " already has a running segment " +
                                        std::to_string(s.id));
    }
    if (s.step_begin == segment.step_begin) ++attempt;
  }
  SegmentRecord out = segment;
  out.id = static_cast<std::int64_t>(segments_.size()) + 1;
  out.attempt = attempt;
  out.state = SegmentState::kRunning;
  out.exit_code = 0;
  out.error.clear();
  out.log_tail.clear();
  out.value.reset();
  out.started_at = clock_();
  out.finished_at = 0;
  out.checkpoint_dir = SubstituteAttempt(out.checkpoint_dir, attempt);
  if (!out.resume_from.empty()) {
    for (auto c = checkpoints_.rbegin(); c != checkpoints_.rend(); ++c) {
      if (c->path != out.resume_from) continue;
      out.source_trial_id = c->origin_trial_id ? *c->origin_trial_id : c->trial_id;
      break;
    }
  }
  trial.params = out.params;
  segments_.push_back({out, {}});
  trial_segments_[trial.id - 1].push_back(out.id);
  AddEventLocked(trial.study_id, trial.id,
                 ev::SegmentStarted(trial.number, out.id, out.step_begin, out.step_end, out.attempt), out.started_at);
  if (trial.state != TrialState::kRunning) {
    trial.state = TrialState::kRunning;
    AddEventLocked(trial.study_id, trial.id, ev::TrialStateChanged(trial.number, TrialState::kRunning, ""),
                   out.started_at);
  }
  trial.updated_at = out.started_at;
  return out;
}

Status MemoryStore::AppendMetrics(std::int64_t segment_id, const MetricPoint& point) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasSegment(segment_id)) return SegmentNotFound(segment_id);
  Segment& segment = segments_[segment_id - 1];
  if (segment.record.state != SegmentState::kRunning) {
    return Status::FailedPrecondition("segment " + std::to_string(segment_id) + " is " +
                                      ToString(segment.record.state) +
                                      "; metrics can only be appended to a running segment");
  }
  MergePoint(segment, point);
  return Status::Ok();
}

void MemoryStore::MergePoint(Segment& segment, const MetricPoint& point) {
  if (point.values.empty()) return;  // a point without values records nothing
  Metrics& values = segment.metrics[point.step];
  for (const auto& [name, value] : point.values) values[name] = value;
}

Status MemoryStore::AppendMetricsBatch(const std::vector<std::pair<std::int64_t, MetricPoint>>& points) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [segment_id, point] : points)
    if (!HasSegment(segment_id)) return SegmentNotFound(segment_id);
  for (const auto& [segment_id, point] : points) {
    Segment& segment = segments_[segment_id - 1];
    if (segment.record.state == SegmentState::kRunning) MergePoint(segment, point);
  }
  return Status::Ok();
}

void MemoryStore::AddCheckpoint(CheckpointRecord c) {
  c.id = static_cast<std::int64_t>(checkpoints_.size()) + 1;
  checkpoints_.push_back(std::move(c));
}

Status MemoryStore::FinishSegment(std::int64_t segment_id, const SegmentOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  if (outcome.state == SegmentState::kRunning) {
    return Status::InvalidArgument("a finished segment cannot be in state running", "state");
  }
  if (outcome.trial_state == TrialState::kRunning) {
    return Status::InvalidArgument("a trial is not running once its segment finished", "trial_state");
  }
  if (!HasSegment(segment_id)) return SegmentNotFound(segment_id);
  SegmentRecord& segment = segments_[segment_id - 1].record;
  if (segment.state != SegmentState::kRunning) {
    return Status::FailedPrecondition("segment " + std::to_string(segment_id) + " already finished (" +
                                      ToString(segment.state) + ")");
  }
  TrialRecord& trial = trials_[segment.trial_id - 1];
  if (outcome.exploit) {
    // The exploit may name the checkpoint this very outcome records.
    const bool is_new = !outcome.checkpoint.empty() && outcome.exploit->checkpoint == outcome.checkpoint;
    if (!is_new) AT_RETURN_IF_ERROR(CheckExploit(trial, *outcome.exploit));
  }
  for (const MetricPoint& point : outcome.points) MergePoint(segments_[segment_id - 1], point);
  const double now = clock_();
  segment.state = outcome.state;
  segment.exit_code = outcome.exit_code;
  segment.error = outcome.error;
  segment.log_tail = outcome.log_tail;
  segment.finished_at = now;
  if (outcome.segment_value) segment.value = outcome.segment_value;
  const TrialState before = trial.state;
  trial.state = outcome.trial_state;
  if (outcome.value) trial.value = outcome.value;
  trial.step = outcome.trial_step;
  if (outcome.next_step_end > 0) trial.next_step_end = outcome.next_step_end;
  if (outcome.next_params) trial.params = *outcome.next_params;
  if (!outcome.checkpoint.empty()) {
    trial.checkpoint = outcome.checkpoint;
    CheckpointRecord c;
    c.trial_id = trial.id;
    c.segment_id = segment_id;
    c.step = outcome.trial_step;
    c.path = outcome.checkpoint;
    AddCheckpoint(std::move(c));
  }
  if (!outcome.trial_error.empty()) trial.error = outcome.trial_error;
  trial.updated_at = now;
  if (outcome.exploit) ApplyExploit(trial, *outcome.exploit, now);
  AddEventLocked(trial.study_id, trial.id,
                 ev::SegmentFinished(trial.number, segment_id, outcome.state, outcome.exit_code, outcome.error), now);
  if (trial.state != before) {
    AddEventLocked(trial.study_id, trial.id, ev::TrialStateChanged(trial.number, trial.state, outcome.trial_error),
                   now);
  }
  return Status::Ok();
}

StatusOr<std::vector<SegmentRecord>> MemoryStore::ListSegments(std::int64_t trial_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
  std::vector<SegmentRecord> out;
  for (std::int64_t id : trial_segments_[trial_id - 1]) out.push_back(segments_[id - 1].record);
  return out;
}

StatusOr<std::vector<SegmentSummary>> MemoryStore::ListSegmentSummaries(std::int64_t study_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  std::vector<SegmentSummary> out;
  for (const Segment& s : segments_) {
    const SegmentRecord& r = s.record;
    if (trials_[r.trial_id - 1].study_id != study_id) continue;
    out.push_back({r.id, r.trial_id, r.step_begin, r.step_end, r.state, r.value});
  }
  return out;
}

StatusOr<std::vector<MetricPoint>> MemoryStore::GetMetrics(std::int64_t trial_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
  // Ordered by step, then segment id (as the SQLite store's ORDER BY).
  std::map<std::pair<std::int64_t, std::int64_t>, const Metrics*> points;
  for (std::int64_t id : trial_segments_[trial_id - 1]) {
    for (const auto& [step, values] : segments_[id - 1].metrics) points[{step, id}] = &values;
  }
  std::vector<MetricPoint> out;
  for (const auto& [key, values] : points) out.push_back(MetricPoint{key.first, *values});
  return out;
}

StatusOr<std::vector<CheckpointRecord>> MemoryStore::ListCheckpoints(std::int64_t trial_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
  std::vector<CheckpointRecord> out;
  for (const CheckpointRecord& c : checkpoints_) {
    if (c.trial_id == trial_id) out.push_back(c);
  }
  return out;
}

StatusOr<CheckpointRecord> MemoryStore::RecordCheckpoint(const CheckpointRecord& checkpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  if (checkpoint.path.empty()) return Status::InvalidArgument("must not be empty", "path");
  if (checkpoint.step < 0) return Status::InvalidArgument("must be >= 0", "step");
  if (!HasTrial(checkpoint.trial_id)) return TrialNotFound(checkpoint.trial_id);
  TrialRecord& trial = trials_[checkpoint.trial_id - 1];
  if (trial.state == TrialState::kRunning || IsFinished(trial.state)) {
    return Status::FailedPrecondition("trial " + std::to_string(trial.id) + " is " + ToString(trial.state) +
                                      "; only a waiting trial takes a new checkpoint");
  }
  if (checkpoint.origin_trial_id && !HasTrial(*checkpoint.origin_trial_id))
    return TrialNotFound(*checkpoint.origin_trial_id);
  CheckpointRecord out = checkpoint;
  out.segment_id = 0;
  out.deleted = false;
  AddCheckpoint(out);
  out.id = checkpoints_.back().id;
  trial.checkpoint = out.path;
  trial.updated_at = clock_();
  return out;
}

Status MemoryStore::MarkCheckpointDeleted(std::int64_t checkpoint_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (checkpoint_id < 1 || checkpoint_id > static_cast<std::int64_t>(checkpoints_.size())) {
    return Status::NotFound("checkpoint " + std::to_string(checkpoint_id) + " not found");
  }
  CheckpointRecord& c = checkpoints_[checkpoint_id - 1];
  for (const TrialRecord& t : trials_) {
    if (!t.checkpoint.empty() && t.checkpoint == c.path && !IsFinished(t.state)) {
      return Status::FailedPrecondition("checkpoint " + c.path + " is pinned: trial " + std::to_string(t.number) +
                                        " would resume from it");
    }
  }
  c.deleted = true;
  return Status::Ok();
}

StatusOr<std::vector<CheckpointRecord>> MemoryStore::ListLiveCheckpoints(std::int64_t study_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  std::vector<CheckpointRecord> out;
  for (const CheckpointRecord& c : checkpoints_) {
    if (!c.deleted && trials_[c.trial_id - 1].study_id == study_id) out.push_back(c);
  }
  return out;
}

StatusOr<int> MemoryStore::RecoverInterrupted(std::int64_t study_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  const double now = clock_();
  int cancelled = 0;
  for (Segment& s : segments_) {  // by id, as the SQLite store
    SegmentRecord& seg = s.record;
    const TrialRecord& trial = trials_[seg.trial_id - 1];
    if (trial.study_id != study_id || seg.state != SegmentState::kRunning) continue;
    seg.state = SegmentState::kCancelled;
    seg.exit_code = 0;
    seg.error = ev::kInterrupted;
    seg.log_tail.clear();
    seg.finished_at = now;
    ++cancelled;
    AddEventLocked(study_id, trial.id,
                   ev::SegmentFinished(trial.number, seg.id, SegmentState::kCancelled, 0, ev::kInterrupted), now);
  }
  // Nothing runs after a crash: every running trial goes back to pending.
  for (std::int64_t id : study_trials_[study_id - 1]) {
    if (trials_[id - 1].state == TrialState::kRunning) {
      SetTrialStateLocked(trials_[id - 1], TrialState::kPending, "", now);
    }
  }
  return cancelled;
}

}  // namespace autotune::db_detail
