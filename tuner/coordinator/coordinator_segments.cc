// The coordinator when a segment ends: judge it, ask the scheduler, record
// the outcome in one transaction, then act on it (checkpoints, next launch).
#include <algorithm>

#include "tuner/coordinator/coordinator.h"
#include "tuner/coordinator/outcome.h"

namespace autotune {
namespace {

TrialState StateAfter(Decision::Kind kind) {
  switch (kind) {
    case Decision::Kind::kContinue:
    case Decision::Kind::kExploit:
      return TrialState::kPending;
    case Decision::Kind::kPause:
      return TrialState::kPaused;
    case Decision::Kind::kPrune:
      return TrialState::kPruned;
    case Decision::Kind::kComplete:
      break;
  }
  return TrialState::kCompleted;
}

}  // namespace

void Coordinator::OnDone(std::int64_t segment_id, const SegmentResult& result) {
  auto it = running_.find(segment_id);
  if (it == running_.end()) return;
  Running run = std::move(it->second);
  running_.erase(it);
  Status s = RecordSegmentEnd(run, result);
  if (!s.ok()) Fail(s);
  if (ending_ != Ending::kNone) {
    if (running_.empty()) Finish(end_status_, end_state_, ending_);
    return;
  }
  Fill();
  if (on_slot_freed && !finished_) on_slot_freed();
}

Status Coordinator::RecordSegmentEnd(Running& run, const SegmentResult& result) {
  TrialRecord& t = trials_[run.number];
  AT_RETURN_IF_ERROR(metrics_.Flush());  // every report of the segment is stored before its end
  const SegmentVerdict v = JudgeSegment(result, run.value, spec_.objective.metric, run.cancel_requested);
  SegmentOutcome out;
  out.state = v.segment_state;
  out.exit_code = result.kind == SegmentResult::Kind::kSignaled ? -result.exit_code : result.exit_code;
  out.error = v.error;
  out.log_tail = result.log_tail;
  out.value = run.value ? run.value : t.value;
  out.trial_step = t.step;
  std::optional<Decision> decision;
  Observation& o = history_.trials[t.number];
  const std::size_t intermediate_before = o.intermediate.size();
  if (v.segment_state == SegmentState::kCompleted) {
    const std::int64_t step = run.segment.step_end;
    out.segment_value = run.value;
    out.trial_step = step;
    if (result.checkpoint_complete) out.checkpoint = run.segment.checkpoint_dir;
    // The scheduler decides on the trial as it is after this segment.
    o.step = step;
    o.has_checkpoint = result.checkpoint_complete;
    o.intermediate.emplace_back(step, spec_.objective.Loss(*run.value));
    decision = step >= MaxSteps() ? Decision::Complete() : scheduler_->OnSegmentEnd(history_, t.number);
    if (decision->kind == Decision::Kind::kExploit) {
      return Status::Internal("the scheduler asked for an exploit, which this coordinator does not apply yet");
    }
    if (decision->kind == Decision::Kind::kContinue) {
      // A plan must move forward and stay inside the trial's budget.
      if (decision->step_end <= step || decision->step_end > MaxSteps()) decision->step_end = MaxSteps();
      out.next_step_end = decision->step_end;
    }
    out.trial_state = StateAfter(decision->kind);
    if (decision->kind == Decision::Kind::kPrune) out.trial_error = decision->reason;
    failures_.erase(t.id);
  } else if (v.segment_state == SegmentState::kCancelled) {
    out.trial_state = TrialState::kPending;  // resumed later over the same range
  } else if (++failures_[t.id] <= spec_.trial->retries) {
    out.trial_state = TrialState::kPending;
    Log("trial " + std::to_string(t.id) + " segment failed (" + v.error + "); retry " +
        std::to_string(failures_[t.id]) + " of " + std::to_string(spec_.trial->retries));
  } else {
    out.trial_state = TrialState::kFailed;
    out.trial_error = v.error;
  }
  Status s = store_.FinishSegment(run.segment.id, out);
  if (!s.ok()) {
    o.intermediate.resize(intermediate_before);  // nothing of it happened
    return s;
  }
  const std::string previous_checkpoint = t.checkpoint;
  t.value = out.value;
  t.step = out.trial_step;
  if (!out.checkpoint.empty()) t.checkpoint = out.checkpoint;
  if (!out.trial_error.empty()) t.error = out.trial_error;
  if (out.next_step_end > 0) t.next_step_end = out.next_step_end;
  SetState(t, out.trial_state);
  if (t.state == TrialState::kCompleted) {
    Log("trial " + std::to_string(t.id) + " completed: " + spec_.objective.metric + "=" +
        ToString(ParamValue(*t.value)) + "  " + ToString(t.params));
  }
  if (t.state == TrialState::kFailed) Log("trial " + std::to_string(t.id) + " failed: " + t.error);
  if (t.state == TrialState::kPruned) Log("trial " + std::to_string(t.id) + " pruned: " + t.error);
  // Housekeeping, after the outcome is recorded.
  if (!out.checkpoint.empty() && !previous_checkpoint.empty() && previous_checkpoint != out.checkpoint)
    ReleaseCheckpoint(t, previous_checkpoint);  // superseded by the new one
  if (v.segment_state != SegmentState::kCompleted || !result.checkpoint_complete)
    keeper_.DiscardSegmentDir(run.segment.checkpoint_dir);  // never resumable
  if (t.state == TrialState::kFailed || t.state == TrialState::kPruned) ReleaseCheckpoint(t, t.checkpoint);
  if (t.state == TrialState::kCompleted) KeepBest(t);
  return Status::Ok();
}

Status Coordinator::ApplyDecision(TrialRecord& t, const Decision& d) {
  if (d.kind == Decision::Kind::kExploit) return Status::Internal("the scheduler asked for an exploit, which this coordinator does not apply yet");
  TrialUpdate u;
  u.state = StateAfter(d.kind);
  if (d.kind == Decision::Kind::kContinue) {
    u.next_step_end = d.step_end > t.step && d.step_end <= MaxSteps() ? d.step_end : MaxSteps();
  }
  if (d.kind == Decision::Kind::kPrune) u.error = d.reason;
  AT_RETURN_IF_ERROR(store_.UpdateTrial(t.id, u));
  if (u.next_step_end > 0) t.next_step_end = u.next_step_end;
  if (!u.error.empty()) t.error = u.error;
  SetState(t, u.state);
  if (t.state == TrialState::kPruned) ReleaseCheckpoint(t, t.checkpoint);
  if (t.state == TrialState::kCompleted) KeepBest(t);
  return Status::Ok();
}

}  // namespace autotune
