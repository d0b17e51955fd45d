#include "tuner/coordinator/ask_tell.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>

#include "tuner/coordinator/warm_start.h"

namespace autotune {
namespace {

std::string TrialName(const TrialRecord& t) { return "trial " + std::to_string(t.id); }

}  // namespace

AskTellStudy::AskTellStudy(boost::asio::io_context& io, Store& store, Searcher& searcher, StudySpec spec,
                           StudyRecord study, std::function<double()> wall_now)
    : io_(io),
      store_(store),
      searcher_(searcher),
      spec_(std::move(spec)),
      study_(std::move(study)),
      wall_now_(std::move(wall_now)),
      lease_timer_(io) {
  progress_.total = spec_.budget.max_trials;
}

AskTellStudy::~AskTellStudy() { *alive_ = false; }

Status AskTellStudy::Start(DoneFn done) {
  done_ = std::move(done);
  started_at_ = wall_now_();
  AT_RETURN_IF_ERROR(Load());
  UpdateProgress();
  AT_ASSIGN_OR_RETURN(int released, ReleaseExpired());
  (void)released;
  if (!finished_) {
    AT_RETURN_IF_ERROR(EndIfDone());
    ArmLeaseTimer();
  }
  return Status::Ok();
}

Status AskTellStudy::Load() {
  if (study_.state != StudyState::kRunning)
    AT_RETURN_IF_ERROR(store_.SetStudyState(study_.id, StudyState::kRunning));
  AT_ASSIGN_OR_RETURN(trials_, store_.ListTrials(study_.id));
  AT_ASSIGN_OR_RETURN(history_.prior, WarmStartObservations(store_, spec_));
  history_.trials.assign(trials_.size(), Observation{});
  for (std::size_t i = 0; i < trials_.size(); ++i) {
    TrialRecord& t = trials_[i];
    if (t.number != static_cast<int>(i))
      return Status::Internal("study " + study_.name + " has a gap in its trial numbers at " +
                              std::to_string(i));
    by_id_[t.id] = t.number;
    if (t.state == TrialState::kRunning) {
      // Asked before a restart: the worker may still tell it.
      AT_ASSIGN_OR_RETURN(auto segments, store_.ListSegments(t.id));
      if (segments.empty() || segments.back().state != SegmentState::kRunning)
        return Status::Internal(TrialName(t) + " is running without a running segment");
      Lease a;
      a.segment_id = segments.back().id;
      a.deadline = segments.back().started_at + spec_.budget.ask_lease_s;
      AT_ASSIGN_OR_RETURN(auto points, store_.GetMetrics(t.id));
      if (!points.empty()) a.last_step = points.back().step;
      asked_[t.number] = a;
    }
    const TrialState state = t.state;
    t.state = TrialState::kPending;
    ++counts_[static_cast<int>(TrialState::kPending)];
    SetState(t, state);
  }
  return Status::Ok();
}

void AskTellStudy::SetState(TrialRecord& t, TrialState state) {
  --counts_[static_cast<int>(t.state)];
  t.state = state;
  ++counts_[static_cast<int>(state)];
  if (state == TrialState::kPending)
    pending_.insert(t.number);
  else
    pending_.erase(t.number);
  if (state != TrialState::kRunning) asked_.erase(t.number);
  Observation& o = history_.trials[t.number];
  o.params = t.params;
  o.state = state;
  o.step = t.step;
  o.loss.reset();
  o.intermediate.clear();
  if (state == TrialState::kCompleted && t.value) {
    o.loss = spec_.objective.Loss(*t.value);
    o.intermediate.emplace_back(t.step, *o.loss);
    if (!progress_.best_value || spec_.objective.Better(*t.value, *progress_.best_value)) {
      progress_.best_value = t.value;
      progress_.best_trial_id = t.id;
    }
  }
}

std::string AskTellStudy::NoMoreTrials() const {
  if (finished_) return "study '" + study_.name + "' has ended";
  if (static_cast<int>(trials_.size()) >= spec_.budget.max_trials)
    return "study '" + study_.name + "' has asked all of its budget.max_trials (" +
           std::to_string(spec_.budget.max_trials) + ") trials";
  if (spec_.budget.max_time_s > 0 && wall_now_() - study_.created_at >= spec_.budget.max_time_s)
    return "study '" + study_.name + "' has spent its budget.max_time_s";
  if (searcher_dry_ || searcher_.Exhausted(history_))
    return "the searcher of study '" + study_.name + "' has no further suggestions";
  return "";
}

StatusOr<TrialRecord> AskTellStudy::Ask() {
  if (finished_) return Status::FailedPrecondition("study '" + study_.name + "' has ended");
  AT_RETURN_IF_ERROR(ReleaseExpired().status());  // the timer may lag behind a clock that jumped
  if (finished_) return Status::FailedPrecondition(NoMoreTrials());
  if (static_cast<int>(asked_.size()) >= spec_.budget.max_parallel) {
    return Status::Unavailable("study '" + study_.name + "' has budget.max_parallel (" +
                               std::to_string(spec_.budget.max_parallel) +
                               ") trials out; ask again when one is told");
  }
  if (!pending_.empty()) return StartTrial(*pending_.begin());
  if (std::string why = NoMoreTrials(); !why.empty()) return Status::FailedPrecondition(why);
  AT_ASSIGN_OR_RETURN(auto suggested, searcher_.Suggest(history_, 1));
  if (suggested.empty()) {
    if (!asked_.empty()) {
      return Status::Unavailable("the searcher of study '" + study_.name +
                                 "' waits for results of the trials in flight; ask again later");
    }
    searcher_dry_ = true;  // nothing in flight: the history, hence the answer, will not change
    AT_RETURN_IF_ERROR(EndIfDone());
    return Status::FailedPrecondition(NoMoreTrials());
  }
  // What `auto` chose (and why) is recorded when it changes; `show` prints it.
  if (std::string described = searcher_.Describe(); described != described_) {
    AT_RETURN_IF_ERROR(store_.SetStudyAttribute(study_.id, "searcher", described));
    described_ = std::move(described);
  }
  // The trial and its segment in one transaction: no half-asked trial.
  AT_ASSIGN_OR_RETURN(auto created, store_.CreateRunningTrial(study_.id, suggested.front(), FirstSegment()));
  TrialRecord& trial = created.first;
  by_id_[trial.id] = trial.number;
  trial.state = TrialState::kPending;  // counted as pending, then moved to running below
  trials_.push_back(std::move(trial));
  history_.trials.emplace_back();
  ++counts_[static_cast<int>(TrialState::kPending)];
  return Asked(trials_.back().number, created.second);
}

SegmentRecord AskTellStudy::FirstSegment() {
  SegmentRecord seg;
  seg.step_begin = 0;
  seg.step_end = 1;
  return seg;
}

StatusOr<TrialRecord> AskTellStudy::StartTrial(int number) {
  SegmentRecord seg = FirstSegment();
  seg.trial_id = trials_[number].id;
  seg.params = trials_[number].params;
  AT_ASSIGN_OR_RETURN(seg, store_.StartSegment(seg));
  return Asked(number, seg);
}

TrialRecord AskTellStudy::Asked(int number, const SegmentRecord& segment) {
  TrialRecord& t = trials_[number];
  Lease a;
  a.segment_id = segment.id;
  a.deadline = segment.started_at + spec_.budget.ask_lease_s;
  SetState(t, TrialState::kRunning);
  asked_[number] = a;
  UpdateProgress();
  ArmLeaseTimer();
  return t;
}

StatusOr<TrialRecord> AskTellStudy::Tell(std::int64_t trial_id, const TellRequest& tell) {
  AT_RETURN_IF_ERROR(ReleaseExpired().status());
  auto found = by_id_.find(trial_id);
  if (found == by_id_.end())
    return Status::NotFound("trial " + std::to_string(trial_id) + " not found in study '" + study_.name +
                            "'");
  TrialRecord& t = trials_[found->second];
  auto asked = asked_.find(t.number);
  if (asked == asked_.end()) {
    std::string why = TrialName(t) + " is " + ToString(t.state) + ", not waiting for a tell";
    if (!t.error.empty()) why += " (" + t.error + ")";
    return Status::FailedPrecondition(why);
  }
  Lease& a = asked->second;
  if (tell.step && *tell.step < 0) return Status::InvalidArgument("must be >= 0", "step");
  if (tell.kind == TellRequest::Kind::kReport) {
    if (!tell.step) return Status::InvalidArgument("is required for a report", "step");
    if (tell.metrics.empty()) return Status::InvalidArgument("must hold at least one value", "metrics");
    AT_RETURN_IF_ERROR(store_.AppendMetrics(a.segment_id, MetricPoint{*tell.step, tell.metrics}));
    a.last_step = std::max(a.last_step, *tell.step);
    return t;
  }
  SegmentOutcome out;
  if (tell.kind == TellRequest::Kind::kComplete) {
    if (!std::isfinite(tell.value)) return Status::InvalidArgument("must be a finite number", "value");
    const std::int64_t step = tell.step ? *tell.step : std::max<std::int64_t>(a.last_step, 1);
    out.points.push_back(
        MetricPoint{step, {{spec_.objective.metric, tell.value}}});  // with the end, atomically
    out.state = SegmentState::kCompleted;
    out.segment_value = tell.value;
    out.value = tell.value;
    out.trial_state = TrialState::kCompleted;
    out.trial_step = step;
  } else {
    out.state = SegmentState::kFailed;
    out.error = tell.error.empty() ? "failed by the worker" : tell.error;
    out.trial_state = TrialState::kFailed;
    out.trial_error = out.error;
  }
  AT_RETURN_IF_ERROR(Finish(t, out));
  TrialRecord after = t;
  AT_RETURN_IF_ERROR(EndIfDone());
  return after;
}

Status AskTellStudy::Finish(TrialRecord& t, const SegmentOutcome& outcome) {
  AT_RETURN_IF_ERROR(store_.FinishSegment(asked_.at(t.number).segment_id, outcome));
  if (outcome.value) t.value = outcome.value;
  t.step = outcome.trial_step;
  if (!outcome.trial_error.empty()) t.error = outcome.trial_error;
  SetState(t, outcome.trial_state);
  if (t.state == TrialState::kCompleted) {
    Log(TrialName(t) + " completed: " + spec_.objective.metric + "=" + ToString(ParamValue(*t.value)) + "  " +
        ToString(t.params));
  } else if (t.state == TrialState::kFailed) {
    Log(TrialName(t) + " failed: " + t.error);
  }
  UpdateProgress();
  return Status::Ok();
}

StatusOr<int> AskTellStudy::ReleaseExpired() {
  const double now = wall_now_();
  std::vector<int> expired;
  for (const auto& [number, a] : asked_)
    if (a.deadline <= now) expired.push_back(number);
  for (int number : expired) {
    SegmentOutcome out;
    out.state = SegmentState::kFailed;
    char lease[32];
    std::snprintf(lease, sizeof lease, "%g", spec_.budget.ask_lease_s);
    out.error = std::string("no tell within budget.ask_lease_s (") + lease + " s) of the ask";
    out.trial_state = TrialState::kFailed;
    out.trial_error = out.error;
    AT_RETURN_IF_ERROR(Finish(trials_[number], out));
  }
  if (!expired.empty()) AT_RETURN_IF_ERROR(EndIfDone());
  return static_cast<int>(expired.size());
}

Status AskTellStudy::EndIfDone() {
  if (finished_ || !pending_.empty() || !asked_.empty() || NoMoreTrials().empty()) return Status::Ok();
  const bool any_completed = counts_[static_cast<int>(TrialState::kCompleted)] > 0;
  const StudyState state = any_completed ? StudyState::kCompleted : StudyState::kFailed;
  AT_RETURN_IF_ERROR(store_.SetStudyState(study_.id, state));
  End(Status::Ok(), state);
  return Status::Ok();
}

void AskTellStudy::ArmLeaseTimer(double min_wait_s) {
  if (finished_ || asked_.empty()) return;
  double first = asked_.begin()->second.deadline;
  for (const auto& [number, a] : asked_) first = std::min(first, a.deadline);
  const double wait_s = std::clamp(first - wall_now_(), min_wait_s, 3600.0);  // re-checked at least hourly
  lease_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(wait_s + 0.001)));
  lease_timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& e) {
    auto a = alive.lock();
    if (e || !a || !*a || finished_) return;
    auto released = ReleaseExpired();
    if (!released.ok()) {
      // A store fault (a busy database): the leases stay due; try again soon.
      Log("could not release expired asks: " + released.status().ToString());
      return ArmLeaseTimer(1.0);
    }
    ArmLeaseTimer();
  });
}

void AskTellStudy::Stop() {
  if (finished_) return;
  Log("stopping: handing back " + std::to_string(asked_.size()) + " asked trial(s)");
  std::vector<int> numbers;
  for (const auto& [number, a] : asked_) numbers.push_back(number);
  for (int number : numbers) {
    SegmentOutcome out;
    out.state = SegmentState::kCancelled;
    out.error = "stopped";
    out.trial_state = TrialState::kPending;
    Status s = Finish(trials_[number], out);
    if (!s.ok()) return End(s, StudyState::kRunning);
  }
  Status s = store_.SetStudyState(study_.id, StudyState::kStopped);
  if (!s.ok()) return End(s, StudyState::kRunning);
  End(Status::Ok(), StudyState::kStopped);
}

void AskTellStudy::Interrupt() { End(Status::Ok(), StudyState::kRunning); }

void AskTellStudy::End(const Status& status, StudyState state) {
  if (finished_) return;
  finished_ = true;
  lease_timer_.cancel();
  UpdateProgress();
  // done may destroy this object: call it from a handler of its own.
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), status, state] {
    auto a = alive.lock();
    if (!a || !*a) return;
    DoneFn done = std::move(done_);
    if (done) done(status, state);  // touches no member after this
  });
}

void AskTellStudy::UpdateProgress() {
  Progress& p = progress_;
  p.completed = counts_[int(TrialState::kCompleted)];
  p.failed = counts_[int(TrialState::kFailed)];
  p.running = counts_[int(TrialState::kRunning)];
  p.pending = counts_[int(TrialState::kPending)];
  p.paused = counts_[int(TrialState::kPaused)];
  p.pruned = counts_[int(TrialState::kPruned)];
  p.elapsed_s = wall_now_() - started_at_;
  if (on_progress) on_progress(p);
}

}  // namespace autotune
