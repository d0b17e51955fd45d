#include "tuner/coordinator/study_service.h"

#include <unistd.h>

#include <boost/asio/post.hpp>

#include "db/store_options.h"
#include "tuner/schedulers/scheduler.h"

namespace autotune {
namespace {

// "pid 123 on host": who holds a study's lease.
std::string DescribeThisProcess() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "pid " + std::to_string(::getpid());
  return "pid " + std::to_string(::getpid()) + " on " + host;
}

Status RunsItsOwnPrograms(const std::string& study) {
  return Status::FailedPrecondition(
      "study '" + study + "' runs its own trial programs; ask/tell is for studies without a trial section");
}

}  // namespace

StudyService::StudyService(boost::asio::io_context& io, Store& store, Executor& executor, ServiceOptions options)
    : io_(io), store_(store), executor_(executor), options_(std::move(options)) {
  if (options_.owner.empty()) options_.owner = DescribeThisProcess();
  if (!options_.wall_now) options_.wall_now = SystemClockSeconds;
}

StudyService::~StudyService() { *alive_ = false; }

StatusOr<StudySpec> StudyService::StoredSpec(const StudyRecord& study) {
  SpecParseOptions lenient;
  lenient.check_programs = false;
  auto parsed = ParseStudySpec(study.spec_json, "/", lenient);
  if (!parsed.ok()) {
    return Status::Internal("the stored spec of study '" + study.name + "' no longer parses: " +
                            parsed.status().ToString());
  }
  return std::move(parsed)->spec;
}

Status StudyService::Validate(const StudySpec& spec, int gpus) {
  AT_RETURN_IF_ERROR(MakeSearcher(spec.searcher, spec.space, spec.seed, spec.budget.max_parallel, spec.budget.max_trials).status());
  AT_RETURN_IF_ERROR(MakeScheduler(spec).status());
  if (spec.trial && spec.trial->gpus > gpus) {
    return Status::InvalidArgument("each trial needs " + std::to_string(spec.trial->gpus) + " GPU(s) but " +
                                       std::to_string(gpus) + " are available",
                                   "trial.gpus");
  }
  return Status::Ok();
}

StatusOr<OpenedStudy> StudyService::Open(const ParsedSpec& parsed) {
  const StudySpec& spec = parsed.spec;
  AT_RETURN_IF_ERROR(Validate(spec, executor_.GpuCount()));
  if (!spec.warm_start_study.empty()) {
    AT_ASSIGN_OR_RETURN(auto source, store_.FindStudy(spec.warm_start_study));
    if (!source)
      return Status::InvalidArgument("no study named '" + spec.warm_start_study + "' in this store",
                                     "warm_start.study");
  }
  AT_ASSIGN_OR_RETURN(auto existing, store_.FindStudy(spec.name));
  OpenedStudy out;
  out.spec = spec;
  if (existing) {
    bool same = existing->spec_json == parsed.canonical_json;
    if (!same) {
      // A store written by an older autotune keeps a differently canonical
      // form: compare what the two specs mean.
      auto stored = StoredSpec(*existing);
      same = stored.ok() && CanonicalSpecJson(*stored) == parsed.canonical_json;
    }
    if (!same) {
      return Status::FailedPrecondition("study '" + spec.name +
                                        "' already exists with a different spec; rename the study or use another "
                                        "store");
    }
    out.record = *existing;
    return out;
  }
  AT_ASSIGN_OR_RETURN(out.record, store_.CreateStudy(spec.name, parsed.canonical_json));
  out.created = true;
  return out;
}

StatusOr<StudyService::Active*> StudyService::Activate(const StudyRecord& study, const StudySpec& spec) {
  if (active_.count(study.id))
    return Status::FailedPrecondition("study '" + study.name + "' runs here already");
  AT_ASSIGN_OR_RETURN(auto lease, store_.AcquireStudy(study.id, options_.owner));
  AT_ASSIGN_OR_RETURN(auto searcher,
                      MakeSearcher(spec.searcher, spec.space, spec.seed, spec.budget.max_parallel, spec.budget.max_trials));
  Active& a = active_[study.id];
  a.spec = spec;
  a.lease = std::move(lease);
  a.searcher = std::move(searcher);
  return &a;
}

Status StudyService::Run(std::int64_t study_id, DoneFn done) {
  if (active_.count(study_id)) return Status::FailedPrecondition("study " + std::to_string(study_id) + " runs already");
  AT_ASSIGN_OR_RETURN(StudyRecord study, store_.GetStudy(study_id));
  if (study.state == StudyState::kCompleted || study.state == StudyState::kFailed) {
    return Status::FailedPrecondition("study '" + study.name + "' already finished (" + ToString(study.state) + ")");
  }
  AT_ASSIGN_OR_RETURN(StudySpec spec, StoredSpec(study));
  if (!spec.trial) {
    return Status::FailedPrecondition("study '" + study.name +
                                      "' has no trial section: it is driven through ask/tell");
  }
  AT_ASSIGN_OR_RETURN(Active * a, Activate(study, spec));
  CoordinatorOptions copts;
  copts.checkpoint_root = options_.checkpoint_root;
  copts.keep_best_checkpoints = options_.keep_best_checkpoints;
  copts.now = options_.now;
  copts.metric_flush_s = options_.metric_flush_s;
  a->coordinator = std::make_unique<Coordinator>(io_, store_, executor_, *a->searcher, spec, study, copts);
  a->coordinator->on_progress = [this, study_id](const Progress& p) {
    if (on_progress) on_progress(study_id, p);
  };
  a->coordinator->on_log = [this, study_id](const std::string& line) {
    if (on_log) on_log(study_id, line);
  };
  a->coordinator->on_slot_freed = [this, study_id] { PumpOthers(study_id); };
  a->coordinator->Start([this, study_id, done = std::move(done)](const Status& s, StudyState state) {
    OnStudyDone(study_id, s, state, done);
  });
  return Status::Ok();
}

Status StudyService::Serve(std::int64_t study_id, DoneFn done) {
  AT_ASSIGN_OR_RETURN(StudyRecord study, store_.GetStudy(study_id));
  if (study.state == StudyState::kCompleted || study.state == StudyState::kFailed) {
    return Status::FailedPrecondition("study '" + study.name + "' already finished (" +
                                      ToString(study.state) + ")");
  }
  AT_ASSIGN_OR_RETURN(StudySpec spec, StoredSpec(study));
  if (spec.trial) {
    return RunsItsOwnPrograms(study.name);
  }
  AT_ASSIGN_OR_RETURN(Active * a, Activate(study, spec));
  a->ask_tell = std::make_unique<AskTellStudy>(io_, store_, *a->searcher, spec, study, options_.wall_now);
  a->ask_tell->on_progress = [this, study_id](const Progress& p) {
    if (on_progress) on_progress(study_id, p);
  };
  a->ask_tell->on_log = [this, study_id](const std::string& line) {
    if (on_log) on_log(study_id, line);
  };
  Status started =
      a->ask_tell->Start([this, study_id, done = std::move(done)](const Status& s, StudyState state) {
        OnStudyDone(study_id, s, state, done);
      });
  if (!started.ok()) active_.erase(study_id);  // nothing of it was served
  return started;
}

Status StudyService::Start(std::int64_t study_id, DoneFn done) {
  AT_ASSIGN_OR_RETURN(StudyRecord study, store_.GetStudy(study_id));
  AT_ASSIGN_OR_RETURN(StudySpec spec, StoredSpec(study));
  return spec.trial ? Run(study_id, std::move(done)) : Serve(study_id, std::move(done));
}

Status StudyService::NotServed(std::int64_t study_id) {
  AT_ASSIGN_OR_RETURN(StudyRecord study, store_.GetStudy(study_id));
  if (study.state != StudyState::kRunning) {
    std::string why = "study '" + study.name + "' is " + ToString(study.state);
    if (study.state == StudyState::kStopped) why += "; submit its spec again to resume it";
    return Status::FailedPrecondition(why);
  }
  AT_ASSIGN_OR_RETURN(StudySpec spec, StoredSpec(study));
  if (spec.trial) {
    return RunsItsOwnPrograms(study.name);
  }
  return Status::FailedPrecondition("study '" + study.name + "' is not served by this process");
}

StatusOr<TrialRecord> StudyService::Ask(std::int64_t study_id) {
  auto it = active_.find(study_id);
  if (it == active_.end() || !it->second.ask_tell || it->second.ask_tell->finished())
    return NotServed(study_id);
  return it->second.ask_tell->Ask();
}

StatusOr<TrialRecord> StudyService::Tell(std::int64_t trial_id, const TellRequest& tell) {
  for (auto& [id, a] : active_)
    if (a.ask_tell && a.ask_tell->Owns(trial_id)) return a.ask_tell->Tell(trial_id, tell);
  // Not a trial of a study served here: say why.
  AT_ASSIGN_OR_RETURN(TrialRecord trial, store_.GetTrial(trial_id));
  if (IsFinished(trial.state)) {
    std::string why = "trial " + std::to_string(trial_id) + " is " + ToString(trial.state);
    if (!trial.error.empty()) why += " (" + trial.error + ")";
    return Status::FailedPrecondition(why);
  }
  return NotServed(trial.study_id);
}

void StudyService::OnStudyDone(std::int64_t study_id, const Status& status, StudyState state, const DoneFn& done) {
  // Runs from the coordinator's own handler, which touches nothing after
  // this returns: the coordinator may go now.
  active_.erase(study_id);
  if (done) done(status, state);
  PumpOthers(study_id);
  if (active_.empty() && on_all_done_) {
    auto all_done = std::move(on_all_done_);
    on_all_done_ = nullptr;
    all_done();
  }
}

void StudyService::PumpOthers(std::int64_t freed_by) {
  // Round robin from the study after the one that freed the slot.
  std::vector<std::int64_t> order;
  for (auto it = active_.upper_bound(freed_by); it != active_.end(); ++it) order.push_back(it->first);
  for (auto it = active_.begin(); it != active_.end() && it->first <= freed_by; ++it) order.push_back(it->first);
  for (std::int64_t id : order) {
    auto it = active_.find(id);
    if (it != active_.end() && id != freed_by && it->second.coordinator) it->second.coordinator->Pump();
  }
}

Status StudyService::Stop(std::int64_t study_id) {
  auto it = active_.find(study_id);
  if (it == active_.end()) return Status::NotFound("study " + std::to_string(study_id) + " is not running here");
  if (it->second.coordinator)
    it->second.coordinator->Stop();
  else
    it->second.ask_tell->Stop();
  return Status::Ok();
}

void StudyService::InterruptAll(std::function<void()> done) {
  if (active_.empty()) {
    if (done) boost::asio::post(io_, std::move(done));
    return;
  }
  on_all_done_ = std::move(done);
  for (auto& [id, a] : active_) {
    if (a.coordinator)
      a.coordinator->Interrupt();
    else
      a.ask_tell->Interrupt();
  }
}

std::vector<std::int64_t> StudyService::RunningStudies() const {
  std::vector<std::int64_t> ids;
  for (const auto& [id, a] : active_) ids.push_back(id);
  return ids;
}

const Progress* StudyService::ProgressOf(std::int64_t study_id) const {
  auto it = active_.find(study_id);
  if (it == active_.end()) return nullptr;
  return it->second.coordinator ? &it->second.coordinator->progress() : &it->second.ask_tell->progress();
}

}  // namespace autotune
