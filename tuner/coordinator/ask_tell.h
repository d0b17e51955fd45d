// AskTellStudy: a study driven from outside (a spec without a trial
// section). Workers ask for a trial, evaluate it themselves and tell its
// result. Like the Coordinator it only moves data between the searcher and
// the store, writes every transition to the store before acting on it, and
// rebuilds its view from the store on Start, so a restarted server continues
// where it stopped. All methods and callbacks run on the io_context's thread.
//
// At most budget.max_parallel asked trials are out at once; an ask beyond
// that waits (Unavailable) until one is told or released.
//
// A trial's life: Ask creates it from the searcher and starts its one
// segment, steps [0, 1), in one transaction (it is running); the worker may report
// intermediate steps (metric points of that segment), then tells its value
// (segment and trial complete; the value is also recorded as the objective
// metric at the trial's last step, in the same transaction) or that it
// failed. A trial handed back by Stop is asked again before any new one.
//
// Lease: a trial not told within budget.ask_lease_s of its segment's start is
// failed with that reason, so searchers that wait for results (a CMA-ES
// generation) go on. The start is the one the store recorded, so the lease
// runs on across a restart of the server.
//
// End: when every trial of budget.max_trials was asked (or the searcher is
// exhausted, or budget.max_time_s has passed since the study was created)
// and none is in flight, the study ends completed (failed when no trial
// completed). Stop hands asked trials back (their segments cancelled, the
// trials pending) and ends the study as stopped; Interrupt (shutdown) ends
// this object without writing anything.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "db/store.h"
#include "tuner/coordinator/coordinator.h"
#include "tuner/core/history.h"
#include "tuner/core/spec.h"
#include "tuner/searchers/searcher.h"

namespace autotune {

// What a worker tells about a trial.
struct TellRequest {
  enum class Kind { kReport, kComplete, kFail };
  Kind kind = Kind::kComplete;
  std::optional<std::int64_t>
      step;           // kReport: required; kComplete: the trial's last step (default: last reported, else 1)
  Metrics metrics;    // kReport: the values at `step`
  double value = 0;   // kComplete: the objective's value
  std::string error;  // kFail: why (default "failed by the worker")
};

class AskTellStudy {
 public:
  using DoneFn = std::function<void(const Status&, StudyState)>;

  // wall_now: unix seconds, the store's clock (lease deadlines are measured
  // from the segment start times the store recorded).
  AskTellStudy(boost::asio::io_context& io, Store& store, Searcher& searcher, StudySpec spec,
               StudyRecord study, std::function<double()> wall_now);
  ~AskTellStudy();
  AskTellStudy(const AskTellStudy&) = delete;
  AskTellStudy& operator=(const AskTellStudy&) = delete;

  // Loads the study (marking it running), releases leases that ran out while
  // nobody served it, and arms the lease timer. done is called once, from its
  // own handler, when the study ends, stops, is interrupted, or the engine
  // fails (status not OK; the study is left as it was).
  Status Start(DoneFn done);

  // A trial to evaluate, now running. FailedPrecondition when no trial will
  // ever come (budget spent, searcher exhausted, study ended); Unavailable
  // when max_parallel trials are out or the searcher waits for results of
  // trials in flight (ask again).
  StatusOr<TrialRecord> Ask();
  // Applies a tell to one of this study's trials and returns the trial after
  // it. NotFound when the trial is not this study's; FailedPrecondition when
  // it is not running (finished, released, handed back); InvalidArgument for
  // a report without step or values, or a negative step.
  StatusOr<TrialRecord> Tell(std::int64_t trial_id, const TellRequest& tell);
  bool Owns(std::int64_t trial_id) const { return by_id_.count(trial_id) > 0; }

  // Fails the running trials whose lease ran out by now; returns how many.
  StatusOr<int> ReleaseExpired();
  void Stop();
  void Interrupt();

  const Progress& progress() const { return progress_; }
  bool finished() const { return finished_; }
  std::function<void(const Progress&)> on_progress;
  std::function<void(const std::string&)> on_log;

 private:
  // An asked trial's lease.
  struct Lease {
    std::int64_t segment_id = 0;
    double deadline = 0;          // unix seconds
    std::int64_t last_step = -1;  // last reported step
  };

  Status Load();
  // Hands out a pending trial (starts its segment).
  StatusOr<TrialRecord> StartTrial(int number);
  // Bookkeeping of a trial whose segment started: running, with its lease.
  TrialRecord Asked(int number, const SegmentRecord& segment);
  static SegmentRecord FirstSegment();  // steps [0, 1)
  Status Finish(TrialRecord& t, const SegmentOutcome& outcome);
  void SetState(TrialRecord& t, TrialState state);
  // Ends the study when nothing is in flight and nothing more can be asked.
  Status EndIfDone();
  std::string NoMoreTrials() const;  // why no new trial can come, "" if one can
  void ArmLeaseTimer(double min_wait_s = 0);
  void End(const Status& status, StudyState state);
  void UpdateProgress();
  void Log(const std::string& line) {
    if (on_log) on_log(line);
  }

  boost::asio::io_context& io_;
  Store& store_;
  Searcher& searcher_;
  StudySpec spec_;
  StudyRecord study_;
  std::function<double()> wall_now_;
  boost::asio::steady_timer lease_timer_;
  DoneFn done_;

  std::vector<TrialRecord> trials_;    // by number
  History history_;                    // mirrors trials_ for the searcher
  std::map<std::int64_t, int> by_id_;  // trial id -> number
  std::map<int, Lease> asked_;         // running trials by number
  std::set<int> pending_;              // numbers of pending trials
  bool searcher_dry_ = false;          // Suggest returned nothing with nothing in flight
  std::string described_;              // the searcher's last Describe(), as recorded
  int counts_[6] = {};
  Progress progress_;
  double started_at_ = 0;
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace autotune
