#include "tuner/coordinator/coordinator.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>

#include "tuner/core/rng.h"
#include "tuner/coordinator/outcome.h"

namespace autotune {

Coordinator::Coordinator(boost::asio::io_context& io, Store& store, Executor& executor, Searcher& searcher,
                         StudySpec spec, StudyRecord study, CoordinatorOptions options)
    : io_(io),
      store_(store),
      executor_(executor),
      searcher_(searcher),
      spec_(std::move(spec)),
      study_(std::move(study)),
      options_(std::move(options)) {
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    };
  }
  progress_.total = spec_.budget.max_trials;
}

void Coordinator::Start(DoneFn done) {
  done_ = std::move(done);
  started_at_ = options_.now();
  boost::asio::post(io_, [this] {
    if (!spec_.trial) return Fail(Status::InvalidArgument("the spec has no trial section to run", "trial"));
    Status s = Load();
    if (!s.ok()) return Fail(s);
    UpdateProgress();
    Fill();
  });
}

Status Coordinator::Load() {
  AT_ASSIGN_OR_RETURN(int recovered, store_.RecoverInterrupted(study_.id));
  if (recovered > 0) Log("resuming: " + std::to_string(recovered) + " interrupted segment(s) will re-run");
  if (study_.state != StudyState::kRunning) AT_RETURN_IF_ERROR(store_.SetStudyState(study_.id, StudyState::kRunning));
  AT_ASSIGN_OR_RETURN(trials_, store_.ListTrials(study_.id));
  history_.trials.clear();
  for (auto& t : trials_) {
    TrialState state = t.state;
    t.state = TrialState::kPending;
    history_.trials.resize(t.number);  // SetState appends it as new
    SetState(t, state);
    if (t.state == TrialState::kPending || t.state == TrialState::kPaused) {
      // Failed attempts of the range it is about to re-run count against retries.
      AT_ASSIGN_OR_RETURN(auto segments, store_.ListSegments(t.id));
      int failed = 0;
      for (const auto& seg : segments)
        if (seg.step_begin == t.step && seg.state == SegmentState::kFailed) ++failed;
      failures_[t.id] = failed;
    }
  }
  for (const auto& t : trials_) {
    if (t.state == TrialState::kCompleted && t.value && !t.checkpoint.empty())
      kept_.insert({spec_.objective.Loss(*t.value), t.number});
  }
  finished_at_start_ = counts_[int(TrialState::kCompleted)] + counts_[int(TrialState::kFailed)];
  return LoadWarmStart();
}

Status Coordinator::LoadWarmStart() {
  history_.prior.clear();
  for (const auto& w : spec_.warm_start)
    history_.prior.push_back({w.params, TrialState::kCompleted, spec_.objective.Loss(w.value)});
  if (spec_.warm_start_study.empty()) return Status::Ok();
  AT_ASSIGN_OR_RETURN(auto other, store_.FindStudy(spec_.warm_start_study));
  if (!other) {
    return Status::InvalidArgument("no study named '" + spec_.warm_start_study + "' in this store",
                                   "warm_start.study");
  }
  AT_ASSIGN_OR_RETURN(auto trials, store_.ListTrials(other->id));
  for (const auto& t : trials) {
    // Trials whose params do not fit this study's space cannot inform it.
    if (t.state != TrialState::kCompleted || !t.value || !spec_.space.Validate(t.params).ok()) continue;
    history_.prior.push_back({t.params, TrialState::kCompleted, spec_.objective.Loss(*t.value)});
  }
  return Status::Ok();
}

void Coordinator::SetState(TrialRecord& t, TrialState state) {
  if (static_cast<std::size_t>(t.number) >= history_.trials.size()) history_.trials.resize(t.number + 1);
  else --counts_[static_cast<int>(t.state)];
  t.state = state;
  ++counts_[static_cast<int>(state)];
  if (state == TrialState::kPending || state == TrialState::kPaused) pending_.insert(t.number);
  else pending_.erase(t.number);
  Observation& o = history_.trials[t.number];
  o.params = t.params;
  o.state = state;
  o.loss.reset();
  if (t.value && (state == TrialState::kCompleted || state == TrialState::kPruned))
    o.loss = spec_.objective.Loss(*t.value);
  if (state == TrialState::kCompleted && t.value &&
      (!progress_.best_value || spec_.objective.Better(*t.value, *progress_.best_value))) {
    progress_.best_value = t.value;
    progress_.best_trial_id = t.id;
  }
}

bool Coordinator::OutOfTime() const {
  return spec_.budget.max_time_s > 0 && options_.now() - started_at_ >= spec_.budget.max_time_s;
}

void Coordinator::Fill() {
  if (finished_ || stopping_) return;
  // Trials already created but not running (resumed, or retrying) go first.
  while (!pending_.empty() && executor_.Running() < executor_.Capacity()) {
    Status s = Launch(trials_[*pending_.begin()]);
    if (!s.ok()) return Fail(s);
  }
  int free = executor_.Capacity() - executor_.Running();
  int left = spec_.budget.max_trials - static_cast<int>(trials_.size());
  bool exhausted = searcher_.Exhausted(history_);
  if (free > 0 && left > 0 && !exhausted && !OutOfTime()) {
    auto suggested = searcher_.Suggest(history_, std::min(free, left));
    if (!suggested.ok()) return Fail(suggested.status());
    searcher_dry_ = suggested->empty();
    for (auto& params : *suggested) {
      auto created = store_.CreateTrial(study_.id, params, std::nullopt, 0);
      if (!created.ok()) return Fail(created.status());
      trials_.push_back(std::move(*created));
      SetState(trials_.back(), TrialState::kPending);
      Status s = Launch(trials_.back());
      if (!s.ok()) return Fail(s);
    }
  }
  UpdateProgress();
  if (!running_.empty()) return;
  // Nothing runs: the study is over unless something is still pending.
  if (!pending_.empty() && !OutOfTime()) return boost::asio::post(io_, [this] { Fill(); });
  if (searcher_dry_ && !exhausted && left > 0 && !OutOfTime())
    Log("the searcher has no further suggestions; ending the study");
  bool any_completed = counts_[int(TrialState::kCompleted)] > 0;
  Finish(Status::Ok(), any_completed ? StudyState::kCompleted : StudyState::kFailed);
}

std::string Coordinator::CheckpointDir(const TrialRecord& t, std::int64_t step_begin, int attempt) const {
  return options_.checkpoint_root + "/" + study_.name + "/trial-" + std::to_string(t.number) + "/steps-" +
         std::to_string(step_begin) + "-try-" + std::to_string(attempt);
}

Status Coordinator::Launch(TrialRecord& t) {
  const TrialSpec& ts = *spec_.trial;
  SegmentRecord seg;
  seg.trial_id = t.id;
  seg.step_begin = t.step;
  seg.step_end = ts.max_steps;
  seg.params = t.params;
  seg.resume_from = t.checkpoint;
  seg.checkpoint_dir = CheckpointDir(t, seg.step_begin, failures_[t.id]);
  AT_ASSIGN_OR_RETURN(seg, store_.StartSegment(seg));
  SetState(t, TrialState::kRunning);

  SegmentTask task;
  task.segment_id = seg.id;
  task.trial_id = t.id;
  task.study_name = study_.name;
  task.argv = ts.command;
  task.env = ts.env;
  task.params = seg.params;
  task.step_begin = seg.step_begin;
  task.step_end = seg.step_end;
  task.resume_from = seg.resume_from;
  task.checkpoint_dir = seg.checkpoint_dir;
  task.seed = Mix64(spec_.seed * 0x100000001b3ULL + static_cast<std::uint64_t>(t.number)) & 0x7fffffff;
  task.gpus = ts.gpus;
  task.timeout_s = ts.timeout_s;
  const std::int64_t segment_id = seg.id;
  running_[segment_id] = Running{t.number, seg, std::nullopt, -1};
  const std::string metric = spec_.objective.metric;
  Status s = executor_.Launch(
      task,
      [this, segment_id, metric](const MetricPoint& p) {
        auto it = running_.find(segment_id);
        if (it == running_.end()) return;
        Status st = store_.AppendMetrics(segment_id, p);
        if (!st.ok()) return Fail(st);
        auto m = p.values.find(metric);
        if (m != p.values.end() && p.step >= it->second.value_step) {
          it->second.value = m->second;
          it->second.value_step = p.step;
        }
      },
      [this, segment_id](const SegmentResult& r) {
        boost::asio::post(io_, [this, segment_id, r] { OnDone(segment_id, r); });
      });
  if (!s.ok()) {
    running_.erase(segment_id);
    return s;
  }
  return Status::Ok();
}

void Coordinator::OnDone(std::int64_t segment_id, const SegmentResult& result) {
  auto it = running_.find(segment_id);
  if (it == running_.end()) return;
  Running run = std::move(it->second);
  running_.erase(it);
  TrialRecord& t = trials_[run.number];
  SegmentVerdict v = JudgeSegment(result, run.value, spec_.objective.metric, stopping_);
  SegmentOutcome out;
  out.state = v.segment_state;
  out.exit_code = result.kind == SegmentResult::Kind::kSignaled ? -result.exit_code : result.exit_code;
  out.error = v.error;
  out.log_tail = result.log_tail;
  out.value = run.value ? run.value : t.value;
  out.trial_step = t.step;
  if (v.segment_state == SegmentState::kCompleted) {
    out.trial_state = run.segment.step_end >= spec_.trial->max_steps ? TrialState::kCompleted
                                                                      : TrialState::kPending;
    out.trial_step = run.segment.step_end;
    if (result.checkpoint_complete) out.checkpoint = run.segment.checkpoint_dir;
    failures_.erase(t.id);
  } else if (v.segment_state == SegmentState::kCancelled) {
    out.trial_state = TrialState::kPending;  // a later run resumes it
  } else if (++failures_[t.id] <= spec_.trial->retries) {
    out.trial_state = TrialState::kPending;
    Log("trial " + std::to_string(t.id) + " segment failed (" + v.error + "); retry " +
        std::to_string(failures_[t.id]) + " of " + std::to_string(spec_.trial->retries));
  } else {
    out.trial_state = TrialState::kFailed;
    out.trial_error = v.error;
  }
  Status s = store_.FinishSegment(segment_id, out);
  if (!s.ok()) return Fail(s);
  std::string previous_checkpoint = t.checkpoint;
  t.value = out.value;
  t.step = out.trial_step;
  if (!out.checkpoint.empty()) t.checkpoint = out.checkpoint;
  if (!out.trial_error.empty()) t.error = out.trial_error;
  SetState(t, out.trial_state);
  if (t.state == TrialState::kCompleted)
    Log("trial " + std::to_string(t.id) + " completed: " + spec_.objective.metric + "=" +
        ToString(ParamValue(*t.value)) + "  " + ToString(t.params));
  if (t.state == TrialState::kFailed) Log("trial " + std::to_string(t.id) + " failed: " + t.error);
  if (v.segment_state == SegmentState::kCompleted && !out.checkpoint.empty() && !previous_checkpoint.empty())
    DeleteCheckpoint(t.id, previous_checkpoint);  // superseded by the new one
  // A failed segment's checkpoint, or one never completed, can never be resumed from.
  if (v.segment_state != SegmentState::kCompleted || !result.checkpoint_complete)
    RemoveEmptyOrTree(run.segment.checkpoint_dir);
  PruneCheckpoints(t);
  if (stopping_) {
    UpdateProgress();
    if (running_.empty()) Finish(Status::Ok(), StudyState::kStopped);
    return;
  }
  Fill();
}

void Coordinator::Stop() {
  boost::asio::post(io_, [this] {
    if (finished_ || stopping_) return;
    stopping_ = true;
    Log("stopping: cancelling " + std::to_string(running_.size()) + " running segment(s)");
    if (running_.empty()) return Finish(Status::Ok(), StudyState::kStopped);
    for (const auto& [id, run] : running_) executor_.Cancel(id);
  });
}

void Coordinator::Finish(const Status& status, StudyState state) {
  if (finished_) return;
  finished_ = true;
  for (const auto& [id, run] : running_) executor_.Cancel(id);
  Status s = store_.SetStudyState(study_.id, state);
  UpdateProgress();
  if (done_) done_(status.ok() ? s : status, state);
}

void Coordinator::UpdateProgress() {
  Progress& p = progress_;
  p.total = spec_.budget.max_trials;
  p.completed = counts_[int(TrialState::kCompleted)];
  p.failed = counts_[int(TrialState::kFailed)];
  p.running = counts_[int(TrialState::kRunning)];
  p.pending = counts_[int(TrialState::kPending)] + counts_[int(TrialState::kPaused)];
  p.elapsed_s = options_.now() - started_at_;
  int done_here = p.completed + p.failed - finished_at_start_;
  int remaining = std::max(0, p.total - p.completed - p.failed);
  p.eta_s = done_here > 0 && p.elapsed_s > 0 ? remaining * p.elapsed_s / done_here : -1;
  if (on_progress) on_progress(p);
}

void Coordinator::DeleteCheckpoint(std::int64_t trial_id, const std::string& path) {
  RemoveTree(path);
  auto checkpoints = store_.ListCheckpoints(trial_id);
  if (!checkpoints.ok()) return Log("could not list checkpoints: " + checkpoints.status().ToString());
  for (const auto& c : *checkpoints) {
    if (c.path == path && !c.deleted) {
      Status s = store_.MarkCheckpointDeleted(c.id);
      if (!s.ok()) Log("could not record a deleted checkpoint: " + s.ToString());
    }
  }
}

// Keeps the checkpoints of the best keep_best_checkpoints completed trials
// (users want the winners' weights); a failed trial's checkpoint is never needed.
void Coordinator::PruneCheckpoints(const TrialRecord& t) {
  if (t.checkpoint.empty()) return;
  if (t.state == TrialState::kFailed) return DeleteCheckpoint(t.id, t.checkpoint);
  if (t.state != TrialState::kCompleted || !t.value) return;
  kept_.insert({spec_.objective.Loss(*t.value), t.number});
  while (static_cast<int>(kept_.size()) > options_.keep_best_checkpoints) {
    auto worst = std::prev(kept_.end());
    const TrialRecord& w = trials_[worst->second];
    kept_.erase(worst);
    DeleteCheckpoint(w.id, w.checkpoint);
  }
}

}  // namespace autotune
