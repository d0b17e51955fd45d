// Coordinator: runs one study on one Asio io_context. It only moves data
// between the searcher, the scheduler, the store and the executor: it asks
// the searcher for params and the scheduler for decisions, records every
// transition in the store *before* acting on it, hands segments to the
// executor, retries failed segments and removes checkpoints nobody can need
// any more. All its methods and callbacks run on the io_context's thread.
//
// Lifetime: handlers it posts and the callbacks it gives the executor hold a
// weak token, so after the coordinator is destroyed they do nothing (its
// running segments are then left to the executor; a later Start on the same
// store recovers them as interrupted).
//
// Slots: at most budget.max_parallel segments of this study run at once, and
// only while the executor (possibly shared with other studies) can accept
// them; Pump() asks it to use slots that freed up elsewhere.
//
// Resume: Start() first cancels segments a crash left "running" (their
// trials go back to pending and re-run their interrupted range from their
// last complete checkpoint, in a fresh folder), then rebuilds its view from
// the store, so a completed trial never runs again and no decision is made
// twice.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "db/store.h"
#include "tuner/coordinator/checkpoints.h"
#include "tuner/coordinator/metric_buffer.h"
#include "tuner/core/spec.h"
#include "tuner/executor/executor.h"
#include "tuner/schedulers/scheduler.h"
#include "tuner/searchers/searcher.h"

namespace autotune {

struct Progress {
  int completed = 0, running = 0, pending = 0, failed = 0, total = 0;  // total = max_trials
  int paused = 0, pruned = 0;
  std::optional<double> best_value;
  std::optional<std::int64_t> best_trial_id;
  double elapsed_s = 0;
  double eta_s = -1;  // -1 when unknown
};

struct CoordinatorOptions {
  std::string checkpoint_root;    // segment checkpoints go to <root>/<study>/trial-<n>/...
  int keep_best_checkpoints = 5;  // completed trials whose last checkpoint is kept
  std::function<double()> now;    // seconds, monotonic; default steady_clock
  double metric_flush_s = 0.25;   // metric reports are written in batches at most this late
};

class Coordinator {
 public:
  // status is OK unless the engine failed (a store fault, a searcher error);
  // then state is kRunning: the study was left as it was, resumable.
  using DoneFn = std::function<void(const Status&, StudyState)>;

  Coordinator(boost::asio::io_context& io, Store& store, Executor& executor, Searcher& searcher,
              StudySpec spec, StudyRecord study, CoordinatorOptions options);
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  // Begins (or resumes) the study. done is called once, when the budget is
  // spent, the searcher is exhausted, Stop() or Interrupt() took effect, or
  // the engine failed; running segments have ended (and are recorded) by then.
  void Start(DoneFn done);
  // Cancels running segments (their trials go back to pending, so a later
  // run resumes them) and ends the study as stopped.
  void Stop();
  // As Stop, but the study stays running in the store: for a shutdown, after
  // which the next start resumes it.
  void Interrupt();
  // Launches what it can into free slots (after a slot freed elsewhere).
  void Pump();

  // Called after every transition.
  std::function<void(const Progress&)> on_progress;
  // Called for notable events (trial completed/failed, promotions), for logs.
  std::function<void(const std::string&)> on_log;
  // Called when one of its segments ended, so that other studies sharing the
  // executor can use the slot.
  std::function<void()> on_slot_freed;

  const Progress& progress() const { return progress_; }
  int running() const { return static_cast<int>(running_.size()); }
  bool finished() const { return finished_; }

 private:
  struct Running {
    int number;  // index into trials_
    SegmentRecord segment;
    std::optional<double> value;  // objective at the last reported step
    std::int64_t value_step = -1;
    bool cancel_requested = false;
  };
  enum class Ending { kNone, kStop, kInterrupt, kFail, kDone };

  Status Load();
  Status LoadWarmStart();
  void Fill();
  Status FillOnce(bool* progressed);
  Status CreateTrials(int n, bool* progressed);
  Status Launch(TrialRecord& trial);
  void OnMetrics(std::int64_t segment_id, const MetricPoint& p);
  void OnDone(std::int64_t segment_id, const SegmentResult& result);
  Status RecordSegmentEnd(Running& run, const SegmentResult& result);
  // Applies a decision to a waiting trial (store first, then memory).
  Status ApplyDecision(TrialRecord& t, Decision d);
  Status PlanFrom(const TrialRecord& t, std::int64_t step, Decision* d);
  Exploit ExploitOf(const Decision& d) const;
  void ApplyExploitInMemory(TrialRecord& t, const Exploit& e);
  // A trial resumes only from its own folder: a checkpoint it took from
  // another trial (an exploit) is copied in first. False when that
  // checkpoint is gone (the trial is failed with the reason).
  StatusOr<bool> CopyInCheckpoint(TrialRecord& t);
  int KeepBestCount() const;
  Status EndStudy();
  void Finish(const Status& status, StudyState state, Ending how);
  void Fail(const Status& status) { Finish(status, StudyState::kRunning, Ending::kFail); }
  void CancelAll();
  void Post(std::function<void()> fn);

  // Bookkeeping of a trial's new state: counts, the pending queue, the
  // searchers' view (History's rule for stopped trials), the best so far.
  void SetState(TrialRecord& t, TrialState state);
  void SetStoppedLoss(int number);
  void UpdateProgress();
  void Log(const std::string& line) {
    if (on_log) on_log(line);
  }
  std::int64_t MaxSteps() const { return spec_.trial->max_steps; }
  bool OutOfTime() const;
  // Checkpoints: drops what no trial can resume from and no kept best needs.
  void ReleaseCheckpoint(const TrialRecord& t, const std::string& path);
  void KeepBest(const TrialRecord& t);
  void SweepCheckpoints();

  boost::asio::io_context& io_;
  Store& store_;
  Executor& executor_;
  Searcher& searcher_;
  std::unique_ptr<Scheduler> scheduler_;
  StudySpec spec_;
  StudyRecord study_;
  CoordinatorOptions options_;
  CheckpointKeeper keeper_;
  MetricBuffer metrics_;
  DoneFn done_;

  std::vector<TrialRecord> trials_;  // by number
  std::unordered_map<std::int64_t, int> number_of_;  // trial id -> number
  History history_;                  // mirrors trials_ for the searcher and the scheduler
  std::map<std::int64_t, Running> running_;  // by segment id
  std::map<std::int64_t, int> failures_;     // trial id -> failed attempts of its current range
  std::set<int> pending_;                    // numbers of pending trials not running
  std::set<int> stopped_;                    // numbers of paused and pruned trials
  double worst_completed_loss_ = 0;
  bool any_completed_loss_ = false;
  // Completed trials whose last checkpoint is kept, best first: (loss, number).
  std::set<std::pair<double, int>> kept_;
  int counts_[6] = {};  // trials per TrialState
  int finished_at_start_ = 0;  // completed + failed when this run began (for the ETA)
  Progress progress_;
  double started_at_ = 0;
  bool searcher_dry_ = false;  // the searcher returned nothing; wait for a result
  std::string described_;      // the searcher's last Describe(), as recorded
  Ending ending_ = Ending::kNone;
  Status end_status_;
  StudyState end_state_ = StudyState::kRunning;
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace autotune
