// StudyService: the study engine behind `autotune run` and `autotune serve`.
// It opens studies (create, or find the same study to resume; refuse a
// different spec under a taken name), runs several of them at once on one
// event loop and one shared executor (each held to its own
// budget.max_parallel; a slot that frees up in one study is offered to the
// others), and stops or interrupts them. Every method runs on the
// io_context's thread.
//
// Studies without a trial section are driven from outside through ask/tell
// (tuner/coordinator/ask_tell.h): Serve() opens one for Ask and Tell.
//
// One owner per study: Run() and Serve() take the study's lease in the store, so a
// second process (or a second Run) on the same study is refused with a
// message naming the owner, and an owner that died (kill -9) no longer
// holds it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "db/store.h"
#include "tuner/coordinator/ask_tell.h"
#include "tuner/coordinator/coordinator.h"
#include "tuner/core/spec_canonical.h"
#include "tuner/core/spec_json.h"
#include "tuner/executor/executor.h"

namespace autotune {

struct ServiceOptions {
  std::string checkpoint_root;   // <root>/<study>/...
  int keep_best_checkpoints = 5;
  std::function<double()> now;   // for the coordinators (tests inject one)
  // Unix seconds, the store's clock: ask/tell leases run from the segment
  // starts the store records. Default: the system clock.
  std::function<double()> wall_now;
  std::string owner;             // who runs studies, for lease messages; default "pid N on host"
  double metric_flush_s = 0.25;
};

struct OpenedStudy {
  StudyRecord record;
  StudySpec spec;
  bool created = false;   // false: an existing study with the same spec
};

class StudyService {
 public:
  using DoneFn = Coordinator::DoneFn;

  StudyService(boost::asio::io_context& io, Store& store, Executor& executor, ServiceOptions options);
  ~StudyService();
  StudyService(const StudyService&) = delete;
  StudyService& operator=(const StudyService&) = delete;

  // What Open() checks of a spec before it touches the store: searcher and
  // scheduler options, and the GPUs each trial needs against `gpus`.
  static Status Validate(const StudySpec& spec, int gpus);

  // Validates everything that can be checked without writing (searcher and
  // scheduler options, the warm-start source study, GPUs against the
  // executor), then creates the study, or returns the existing one of that
  // name when its spec is the same (defaults filled in). A different spec
  // under the name is FailedPrecondition saying so. Errors of the spec are
  // InvalidArgument naming the field; nothing is written then.
  StatusOr<OpenedStudy> Open(const ParsedSpec& parsed);

  // Runs an open study (resuming what it left) until it ends; done gets the
  // coordinator's result. FailedPrecondition when the study is finished, has
  // no trial section, runs here already, or another process owns it.
  Status Run(std::int64_t study_id, DoneFn done);

  // Serves an open ask/tell study (no trial section) until it ends; done as
  // for Run. FailedPrecondition when the study is finished, has a trial
  // section, is served or run here already, or another process owns it.
  Status Serve(std::int64_t study_id, DoneFn done);
  // Run for a study with a trial section, Serve for one without.
  Status Start(std::int64_t study_id, DoneFn done);

  // Ask/tell (AskTellStudy's contract). NotFound for an unknown study or
  // trial; FailedPrecondition for a study that is not served here (finished,
  // stopped, run by its own trial programs, owned by another process).
  StatusOr<TrialRecord> Ask(std::int64_t study_id);
  StatusOr<TrialRecord> Tell(std::int64_t trial_id, const TellRequest& tell);

  // Stop: cancel its running segments (or hand its asked trials back) and
  // end it as stopped (resumable).
  Status Stop(std::int64_t study_id);
  // Shutdown: every running study is interrupted (segments cancelled, their
  // trials pending, the studies left running in the store for the next
  // start); done is called when all have ended.
  void InterruptAll(std::function<void()> done);

  // The stored spec of a study, parsed (without requiring its programs to
  // exist here).
  static StatusOr<StudySpec> StoredSpec(const StudyRecord& study);

  bool IsRunning(std::int64_t study_id) const { return active_.count(study_id) > 0; }
  std::vector<std::int64_t> RunningStudies() const;
  // The progress of a running study; nullptr when it does not run here.
  const Progress* ProgressOf(std::int64_t study_id) const;

  // Observers, for every running study.
  std::function<void(std::int64_t study_id, const Progress&)> on_progress;
  std::function<void(std::int64_t study_id, const std::string&)> on_log;

 private:
  struct Active {
    StudySpec spec;
    std::unique_ptr<Searcher> searcher;
    std::unique_ptr<Coordinator> coordinator;  // a study that runs trial programs, or
    std::unique_ptr<AskTellStudy> ask_tell;    // one driven through ask/tell
    std::unique_ptr<StudyLease> lease;
  };

  // Takes the study's lease and builds its searcher: the common part of Run and Serve.
  StatusOr<Active*> Activate(const StudyRecord& study, const StudySpec& spec);
  // Why a study that is not active here cannot be asked or told.
  Status NotServed(std::int64_t study_id);
  void OnStudyDone(std::int64_t study_id, const Status& status, StudyState state, const DoneFn& done);
  void PumpOthers(std::int64_t freed_by);

  boost::asio::io_context& io_;
  Store& store_;
  Executor& executor_;
  ServiceOptions options_;
  std::map<std::int64_t, Active> active_;
  std::function<void()> on_all_done_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace autotune
