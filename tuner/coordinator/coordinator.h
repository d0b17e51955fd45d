// Coordinator: runs one study to its budget on one Asio io_context. It only
// moves data between the searcher, the store and the executor: it asks the
// searcher for params, records every transition in the store *before* acting
// on it, hands segments to the executor, retries failed segments, and cleans
// up checkpoints nobody can need any more. All its methods and callbacks run
// on the io_context's thread.
//
// Resume: Start() first cancels segments a crash left "running" (their trials
// go back to pending and re-run from their last complete checkpoint), then
// rebuilds its view from the store, so a completed trial never runs again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "db/store.h"
#include "tuner/core/spec.h"
#include "tuner/executor/executor.h"
#include "tuner/searchers/searcher.h"

namespace autotune {

struct Progress {
  int completed = 0, running = 0, pending = 0, failed = 0, total = 0;  // total = max_trials
  std::optional<double> best_value;
  std::optional<std::int64_t> best_trial_id;
  double elapsed_s = 0;
  double eta_s = -1;  // -1 when unknown
};

struct CoordinatorOptions {
  std::string checkpoint_root;    // segment checkpoints go to <root>/<study>/trial-<n>/...
  int keep_best_checkpoints = 5;  // completed trials whose last checkpoint is kept
  std::function<double()> now;    // seconds, monotonic; default steady_clock
};

class Coordinator {
 public:
  using DoneFn = std::function<void(const Status&, StudyState)>;

  Coordinator(boost::asio::io_context& io, Store& store, Executor& executor, Searcher& searcher,
              StudySpec spec, StudyRecord study, CoordinatorOptions options);

  // Begins (or resumes) the study. done is called once, when the budget is
  // spent, the searcher is exhausted, Stop() took effect, or the store failed.
  void Start(DoneFn done);
  // Cancels running segments (their trials go back to pending, so a later
  // run resumes them) and ends the study as stopped.
  void Stop();

  // Called after every transition.
  std::function<void(const Progress&)> on_progress;
  // Called for notable events (trial completed/failed), for logs.
  std::function<void(const std::string&)> on_log;

  const Progress& progress() const { return progress_; }

 private:
  struct Running {
    int number;  // index into trials_
    SegmentRecord segment;
    std::optional<double> value;  // objective at the last reported step
    std::int64_t value_step = -1;
  };

  Status Load();
  Status LoadWarmStart();
  void Fill();
  Status Launch(TrialRecord& trial);
  void OnDone(std::int64_t segment_id, const SegmentResult& result);
  void Finish(const Status& status, StudyState state);
  void Fail(const Status& status) { Finish(status, StudyState::kFailed); }
  // Records a trial's new state in the searcher's history, the counters and
  // the pending queue (O(log n), so 100k-trial studies stay fast).
  void SetState(TrialRecord& t, TrialState state);
  void UpdateProgress();
  void Log(const std::string& line) {
    if (on_log) on_log(line);
  }
  std::string CheckpointDir(const TrialRecord& t, std::int64_t step_begin, int attempt) const;
  void PruneCheckpoints(const TrialRecord& t);
  void DeleteCheckpoint(std::int64_t trial_id, const std::string& path);
  bool OutOfTime() const;

  boost::asio::io_context& io_;
  Store& store_;
  Executor& executor_;
  Searcher& searcher_;
  StudySpec spec_;
  StudyRecord study_;
  CoordinatorOptions options_;
  DoneFn done_;

  std::vector<TrialRecord> trials_;  // by number
  History history_;                  // mirrors trials_ for the searcher
  std::map<std::int64_t, Running> running_;     // by segment id
  std::map<std::int64_t, int> failures_;        // trial id -> failed attempts of its current range
  std::set<int> pending_;                       // numbers of pending trials not running
  // Completed trials whose last checkpoint is kept, best first: (loss, number).
  std::set<std::pair<double, int>> kept_;
  int counts_[6] = {};  // trials per TrialState
  int finished_at_start_ = 0;  // completed + failed when this run began (for the ETA)
  Progress progress_;
  double started_at_ = 0;
  bool searcher_dry_ = false;  // the searcher returned nothing; wait for a result
  bool stopping_ = false, finished_ = false;
};

}  // namespace autotune
