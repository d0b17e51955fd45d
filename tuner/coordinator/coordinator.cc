// The coordinator's life cycle: start and resume, filling slots, launching
// segments, ending the study. What happens when a segment ends is in
// coordinator_segments.cc; the bookkeeping of trial states in trial_book.cc.
#include "tuner/coordinator/coordinator.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "tuner/coordinator/warm_start.h"
#include "tuner/core/rng.h"

namespace autotune {

Coordinator::Coordinator(boost::asio::io_context& io, Store& store, Executor& executor, Searcher& searcher,
                         StudySpec spec, StudyRecord study, CoordinatorOptions options)
    : io_(io),
      store_(store),
      executor_(executor),
      searcher_(searcher),
      spec_(std::move(spec)),
      study_(std::move(study)),
      options_(std::move(options)),
      keeper_(store, options_.checkpoint_root, study_.name, [this](const std::string& line) { Log(line); }),
      metrics_(io, store, options_.metric_flush_s, [this](const Status& s) { Fail(s); }) {
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    };
  }
  progress_.total = spec_.budget.max_trials;
}

Coordinator::~Coordinator() { *alive_ = false; }

void Coordinator::Post(std::function<void()> fn) {
  boost::asio::post(io_, [alive = std::weak_ptr<bool>(alive_), fn = std::move(fn)] {
    auto a = alive.lock();
    if (a && *a) fn();
  });
}

void Coordinator::Start(DoneFn done) {
  done_ = std::move(done);
  started_at_ = options_.now();
  Post([this] {
    if (!spec_.trial) return Fail(Status::InvalidArgument("the spec has no trial section to run", "trial"));
    auto scheduler = MakeScheduler(spec_);
    if (!scheduler.ok()) return Fail(scheduler.status());
    scheduler_ = std::move(scheduler).value();
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
  AT_ASSIGN_OR_RETURN(auto segments, store_.ListSegmentSummaries(study_.id));
  number_of_.clear();
  for (std::size_t i = 0; i < trials_.size(); ++i) {
    if (trials_[i].number != static_cast<int>(i))
      return Status::Internal("study " + study_.name + " has a gap in its trial numbers at " + std::to_string(i));
    number_of_[trials_[i].id] = static_cast<int>(i);
  }
  history_.trials.assign(trials_.size(), Observation{});
  std::map<std::int64_t, int> failed_here;  // trial id -> failed segments of its current range
  for (const SegmentSummary& seg : segments) {
    const int n = number_of_.at(seg.trial_id);
    if (seg.state == SegmentState::kCompleted && seg.value)
      history_.trials[n].intermediate.emplace_back(seg.step_end, spec_.objective.Loss(*seg.value));
    if (seg.state == SegmentState::kFailed && seg.step_begin == trials_[n].step) ++failed_here[seg.trial_id];
  }
  for (auto& t : trials_) {
    Observation& o = history_.trials[t.number];
    if (t.parent_id && number_of_.count(*t.parent_id)) o.parent = number_of_[*t.parent_id];
    o.generation = t.generation;
    o.has_checkpoint = !t.checkpoint.empty();
    if (t.state == TrialState::kPending && failed_here.count(t.id)) failures_[t.id] = failed_here[t.id];
    if (t.state == TrialState::kCompleted && t.value &&
        (!any_completed_loss_ || spec_.objective.Loss(*t.value) > worst_completed_loss_)) {
      worst_completed_loss_ = spec_.objective.Loss(*t.value);
      any_completed_loss_ = true;
    }
  }
  for (auto& t : trials_) {
    const TrialState state = t.state;
    t.state = TrialState::kPending;
    ++counts_[static_cast<int>(TrialState::kPending)];
    SetState(t, state);
    if (state == TrialState::kCompleted && t.value && !t.checkpoint.empty())
      kept_.insert({spec_.objective.Loss(*t.value), t.number});
  }
  while (static_cast<int>(kept_.size()) > KeepBestCount()) kept_.erase(std::prev(kept_.end()));
  finished_at_start_ = counts_[int(TrialState::kCompleted)] + counts_[int(TrialState::kFailed)] +
                       counts_[int(TrialState::kPruned)];
  AT_RETURN_IF_ERROR(LoadWarmStart());
  AT_RETURN_IF_ERROR(keeper_.Claim(std::to_string(study_.id) + " " + std::to_string(study_.created_at)));
  SweepCheckpoints();
  return Status::Ok();
}

Status Coordinator::LoadWarmStart() {
  AT_ASSIGN_OR_RETURN(history_.prior, WarmStartObservations(store_, spec_));
  return Status::Ok();
}

bool Coordinator::OutOfTime() const {
  return spec_.budget.max_time_s > 0 && options_.now() - started_at_ >= spec_.budget.max_time_s;
}

void Coordinator::Pump() {
  if (scheduler_ && !finished_ && ending_ == Ending::kNone) Fill();
}

void Coordinator::Fill() {
  if (finished_ || ending_ != Ending::kNone || !scheduler_) return;
  for (bool progressed = true; progressed;) {
    progressed = false;
    Status s = FillOnce(&progressed);
    if (!s.ok()) return Fail(s);
  }
  UpdateProgress();
  if (!running_.empty()) return;
  if (!OutOfTime() && !executor_.CanAccept(spec_.trial->gpus)) {
    // Another study holds the executor's slots: its next segment end pumps
    // this one. With nothing running anywhere, no slot will ever come.
    if (executor_.Running() > 0) return;
    return Fail(Status::FailedPrecondition(
        "the executor cannot run this study's trials (each needs " + std::to_string(spec_.trial->gpus) +
        " GPU(s), the executor has " + std::to_string(executor_.Capacity()) + " slot(s) and " +
        std::to_string(executor_.GpuCount()) + " GPU(s))"));
  }
  Status s = EndStudy();
  if (!s.ok()) Fail(s);
}

Status Coordinator::FillOnce(bool* progressed) {
  const int room = spec_.budget.max_parallel - running();
  if (room <= 0 || !executor_.CanAccept(spec_.trial->gpus) || OutOfTime()) return Status::Ok();
  // Planned segments first (resumed, retried, continued trials).
  if (!pending_.empty()) {
    *progressed = true;
    return Launch(trials_[*pending_.begin()]);
  }
  const int left = spec_.budget.max_trials - static_cast<int>(trials_.size());
  const bool can_create =
      left > 0 && !searcher_dry_ && scheduler_->AcceptsNewTrial(history_) && !searcher_.Exhausted(history_);
  if (auto resume = scheduler_->ResumeNext(history_, !can_create)) {
    const auto& [number, decision] = *resume;
    if (number < 0 || number >= static_cast<int>(trials_.size()) ||
        trials_[number].state != TrialState::kPaused) {
      return Status::Internal("the scheduler woke trial " + std::to_string(number) + ", which is not paused");
    }
    if (decision.kind != Decision::Kind::kPause) {
      *progressed = true;
      AT_RETURN_IF_ERROR(ApplyDecision(trials_[number], decision));
      if (!decision.reason.empty()) {
        Log("trial " + std::to_string(trials_[number].id) + " " + decision.reason);
        AT_RETURN_IF_ERROR(store_.AddEvent(study_.id, trials_[number].id,
                                           std::string("trial.") + ToString(decision.kind), decision.reason));
      }
      return Status::Ok();
    }
  }
  if (!can_create) return Status::Ok();
  return CreateTrials(std::min(room, left), progressed);
}

Status Coordinator::CreateTrials(int n, bool* progressed) {
  std::vector<Params> suggested;
  const std::size_t number = trials_.size();
  if (number < spec_.enqueue.size()) {
    suggested.push_back(spec_.enqueue[number]);  // the spec's own first trials, one at a time
  } else if (auto fixed = scheduler_->InitialParams(history_, static_cast<int>(number))) {
    suggested.push_back(*fixed);  // the scheduler's own (replay): one at a time
  } else {
    AT_ASSIGN_OR_RETURN(suggested, searcher_.Suggest(history_, n));
    // What `auto` chose (and why) is recorded when it changes; `show` prints it.
    if (std::string described = searcher_.Describe(); described != described_) {
      AT_RETURN_IF_ERROR(store_.SetStudyAttribute(study_.id, "searcher", described));
      described_ = std::move(described);
    }
  }
  if (suggested.empty()) {
    searcher_dry_ = true;  // asked again after the next result
    return Status::Ok();
  }
  for (auto& params : suggested) {
    AT_ASSIGN_OR_RETURN(TrialRecord created, store_.CreateTrial(study_.id, params, std::nullopt, 0));
    trials_.push_back(std::move(created));
    TrialRecord& t = trials_.back();
    number_of_[t.id] = t.number;
    history_.trials.emplace_back();
    ++counts_[static_cast<int>(TrialState::kPending)];
    SetState(t, TrialState::kPending);
    // A trial of a later PBT generation continues from an earlier one's checkpoint.
    if (auto inherit = scheduler_->Inherit(history_, t.number)) {
      Decision d = Decision::Exploit(inherit->source, t.params, inherit->step_end,
                                     "starts from trial number " + std::to_string(inherit->source));
      AT_RETURN_IF_ERROR(ApplyDecision(t, d));
    }
  }
  *progressed = true;
  return Status::Ok();
}

StatusOr<bool> Coordinator::CopyInCheckpoint(TrialRecord& t) {
  if (t.checkpoint.empty() || keeper_.IsOwn(t.number, t.checkpoint)) return true;
  const std::string source = t.checkpoint;
  const int from = t.parent_id && number_of_.count(*t.parent_id) ? number_of_.at(*t.parent_id) : -1;
  const std::string tag = "gen-" + std::to_string(t.generation) + "-from-" + std::to_string(from) + "-step-" +
                          std::to_string(t.step);
  auto copied = keeper_.CopyIn(t.number, source, tag);
  if (!copied.ok()) {
    // Pins make this impossible unless the files were removed behind the store's back.
    const std::string why = "the checkpoint it continues from cannot be copied: " + copied.status().message();
    TrialUpdate u;
    u.state = TrialState::kFailed;
    u.error = why;
    AT_RETURN_IF_ERROR(store_.UpdateTrial(t.id, u));
    t.error = why;
    SetState(t, TrialState::kFailed);
    Log("trial " + std::to_string(t.id) + " failed: " + why);
    return false;
  }
  CheckpointRecord record;
  record.trial_id = t.id;
  record.step = t.step;
  record.path = *copied;
  record.origin_trial_id = t.parent_id;
  record.bytes = CheckpointKeeper::DiskUse(*copied);
  AT_RETURN_IF_ERROR(store_.RecordCheckpoint(record).status());
  t.checkpoint = *copied;
  // The source's checkpoint may be needed by nobody now.
  if (from >= 0 && trials_[from].checkpoint != source) ReleaseCheckpoint(trials_[from], source);
  return true;
}

Status Coordinator::Launch(TrialRecord& t) {
  const TrialSpec& ts = *spec_.trial;
  AT_ASSIGN_OR_RETURN(bool copied, CopyInCheckpoint(t));
  if (!copied) return Status::Ok();
  std::int64_t end = t.next_step_end;
  if (end <= t.step) end = t.step == 0 ? scheduler_->FirstSegmentEnd(history_, t.number) : MaxSteps();
  end = std::min(end, MaxSteps());
  if (end <= t.step) {
    return Status::Internal("trial " + std::to_string(t.id) + " is pending at step " + std::to_string(t.step) +
                            " with nothing left to run");
  }
  SegmentRecord seg;
  seg.trial_id = t.id;
  seg.step_begin = t.step;
  seg.step_end = end;
  seg.params = t.params;
  seg.resume_from = t.checkpoint;
  AT_ASSIGN_OR_RETURN(seg.checkpoint_dir, keeper_.SegmentDir(t.number, seg.step_begin, seg.step_end));
  AT_ASSIGN_OR_RETURN(seg, store_.StartSegment(seg));
  RemoveTree(seg.checkpoint_dir);  // every try writes into a fresh, empty folder
  t.next_step_end = end;
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
  task.log_dir = keeper_.LogDir();
  const std::int64_t id = seg.id;
  running_[id] = Running{t.number, seg, std::nullopt, -1, false};
  std::weak_ptr<bool> alive = alive_;
  Status s = executor_.Launch(
      task,
      [this, alive, id](const MetricPoint& p) {
        auto a = alive.lock();
        if (a && *a) OnMetrics(id, p);
      },
      [this, id](const SegmentResult& r) { Post([this, id, r] { OnDone(id, r); }); });
  if (s.ok()) return Status::Ok();
  running_.erase(id);
  SegmentOutcome undo;
  undo.state = SegmentState::kCancelled;
  undo.error = "not started: " + s.message();
  undo.trial_state = TrialState::kPending;
  undo.trial_step = t.step;
  AT_RETURN_IF_ERROR(store_.FinishSegment(id, undo));
  SetState(t, TrialState::kPending);
  return s;
}

void Coordinator::OnMetrics(std::int64_t segment_id, const MetricPoint& p) {
  auto it = running_.find(segment_id);
  if (it == running_.end()) return;
  auto m = p.values.find(spec_.objective.metric);
  if (m != p.values.end() && p.step >= it->second.value_step) {
    it->second.value = m->second;
    it->second.value_step = p.step;
  }
  metrics_.Add(segment_id, p);
}

Status Coordinator::EndStudy() {
  // Nothing runs and nothing can start: trials that would wait forever stop here.
  const bool out_of_time = OutOfTime();
  const std::string why = out_of_time ? "budget.max_time_s was spent" : "not resumed before the study ended";
  std::vector<int> stranded(stopped_.begin(), stopped_.end());
  if (out_of_time) stranded.insert(stranded.end(), pending_.begin(), pending_.end());
  for (int n : stranded) {
    TrialRecord& t = trials_[n];
    if (t.state != TrialState::kPaused && t.state != TrialState::kPending) continue;
    AT_RETURN_IF_ERROR(ApplyDecision(t, Decision::Prune(why)));
  }
  const int left = spec_.budget.max_trials - static_cast<int>(trials_.size());
  if (searcher_dry_ && left > 0 && !out_of_time) Log("the searcher has no further suggestions; ending the study");
  SweepCheckpoints();
  const bool any_completed = counts_[int(TrialState::kCompleted)] > 0;
  Finish(Status::Ok(), any_completed ? StudyState::kCompleted : StudyState::kFailed, Ending::kDone);
  return Status::Ok();
}

void Coordinator::Stop() {
  Post([this] {
    if (finished_ || ending_ != Ending::kNone) return;
    Log("stopping: cancelling " + std::to_string(running_.size()) + " running segment(s)");
    Finish(Status::Ok(), StudyState::kStopped, Ending::kStop);
  });
}

void Coordinator::Interrupt() {
  Post([this] {
    if (finished_ || ending_ != Ending::kNone) return;
    Finish(Status::Ok(), StudyState::kRunning, Ending::kInterrupt);
  });
}

void Coordinator::CancelAll() {
  for (auto& [id, run] : running_) {
    if (run.cancel_requested) continue;
    run.cancel_requested = true;
    executor_.Cancel(id);
  }
}

void Coordinator::Finish(const Status& status, StudyState state, Ending how) {
  if (finished_) return;
  if (ending_ == Ending::kNone) {
    ending_ = how;
    end_status_ = status;
    end_state_ = state;
  } else if (!status.ok() && end_status_.ok()) {
    ending_ = Ending::kFail;  // an engine error wins over a stop: the study stays resumable
    end_status_ = status;
    end_state_ = StudyState::kRunning;
  }
  if (!running_.empty()) return CancelAll();  // OnDone calls back when the last one ended
  finished_ = true;
  Status flushed = metrics_.Flush();
  if (!flushed.ok() && end_status_.ok()) end_status_ = flushed, end_state_ = StudyState::kRunning;
  if (end_state_ != StudyState::kRunning) {
    Status s = store_.SetStudyState(study_.id, end_state_);
    if (!s.ok() && end_status_.ok()) end_status_ = s;
  }
  UpdateProgress();
  // done may destroy this coordinator: call it from its own handler.
  Post([this] {
    DoneFn done = std::move(done_);
    const Status final_status = end_status_;
    const StudyState final_state = end_state_;
    if (done) done(final_status, final_state);  // touches no member after this
  });
}

}  // namespace autotune
