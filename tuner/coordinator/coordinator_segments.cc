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
  searcher_dry_ = false;  // a result: a searcher that waited may have suggestions now
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
    AT_RETURN_IF_ERROR(PlanFrom(t, step, &*decision));
    if (decision->kind == Decision::Kind::kContinue) {
      out.next_step_end = decision->step_end;
      if (!decision->params.empty()) out.next_params = decision->params;
    }
    if (decision->kind == Decision::Kind::kExploit) {
      out.next_step_end = decision->step_end;
      out.exploit = ExploitOf(*decision);
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
  if (out.next_params) t.params = *out.next_params;
  if (out.exploit) {
    ApplyExploitInMemory(t, *out.exploit);
    Log("trial " + std::to_string(t.id) + " " + decision->reason);
    ReleaseCheckpoint(t, out.checkpoint);  // its own fresh checkpoint: it continues from the source's
  }
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

Status Coordinator::ApplyDecision(TrialRecord& t, Decision d) {
  AT_RETURN_IF_ERROR(PlanFrom(t, t.step, &d));
  TrialUpdate u;
  u.state = StateAfter(d.kind);
  if (d.kind == Decision::Kind::kContinue || d.kind == Decision::Kind::kExploit) u.next_step_end = d.step_end;
  if (d.kind == Decision::Kind::kContinue && !d.params.empty()) u.params = d.params;
  if (d.kind == Decision::Kind::kExploit) u.exploit = ExploitOf(d);
  if (d.kind == Decision::Kind::kPrune) u.error = d.reason;
  AT_RETURN_IF_ERROR(store_.UpdateTrial(t.id, u));
  if (u.next_step_end > 0) t.next_step_end = u.next_step_end;
  if (!u.error.empty()) t.error = u.error;
  if (u.params) t.params = *u.params;
  if (u.exploit) ApplyExploitInMemory(t, *u.exploit);
  SetState(t, u.state);
  if (t.state == TrialState::kPruned) ReleaseCheckpoint(t, t.checkpoint);
  if (t.state == TrialState::kCompleted) KeepBest(t);
  return Status::Ok();
}

// Checks a Continue or Exploit against the trial at `step` and the study's
// budget: a plan moves forward inside trial.max_steps; an exploit names
// another trial with a complete checkpoint short of max_steps (else the trial
// simply continues).
Status Coordinator::PlanFrom(const TrialRecord& t, std::int64_t step, Decision* d) {
  if (d->kind == Decision::Kind::kExploit) {
    const bool valid = d->source >= 0 && d->source < static_cast<int>(trials_.size()) && d->source != t.number &&
                       !trials_[d->source].checkpoint.empty() && trials_[d->source].step < MaxSteps() &&
                       !IsFinished(trials_[d->source].state);
    if (!valid) {
      Log("trial " + std::to_string(t.id) + ": the scheduler's exploit source " + std::to_string(d->source) +
          " has no usable checkpoint; it continues instead");
      const bool known = d->source >= 0 && d->source < static_cast<int>(trials_.size());
      const std::int64_t length = d->step_end - (known ? trials_[d->source].step : step);
      *d = Decision::Continue(length > 0 ? step + length : MaxSteps());
    } else {
      const std::int64_t from = trials_[d->source].step;
      if (d->step_end <= from || d->step_end > MaxSteps()) d->step_end = MaxSteps();
      AT_RETURN_IF_ERROR(spec_.space.Validate(d->params));
      return Status::Ok();
    }
  }
  if (d->kind == Decision::Kind::kContinue) {
    if (d->step_end <= step || d->step_end > MaxSteps()) d->step_end = MaxSteps();
    if (!d->params.empty()) AT_RETURN_IF_ERROR(spec_.space.Validate(d->params));
  }
  return Status::Ok();
}

Exploit Coordinator::ExploitOf(const Decision& d) const {
  const TrialRecord& src = trials_[d.source];
  return Exploit{src.id, src.checkpoint, src.step, d.params, src.generation + 1};
}

void Coordinator::ApplyExploitInMemory(TrialRecord& t, const Exploit& e) {
  t.params = e.params;
  t.parent_id = e.source_trial_id;
  t.generation = e.generation;
  t.step = e.step;
  t.checkpoint = e.checkpoint;
  Observation& o = history_.trials[t.number];
  o.parent = number_of_.at(e.source_trial_id);
  o.generation = e.generation;
}

}  // namespace autotune
