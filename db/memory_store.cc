// In-memory Store: studies, trials, events, attributes and leases. Segments,
// metrics, checkpoints and recovery are in memory_segments.cc.
#include "db/memory_store.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "db/detail/memory_store_impl.h"
#include "db/detail/store_rules.h"

namespace autotune {
namespace db_detail {

namespace ev = store_events;

Status MemoryStore::StudyNotFound(std::int64_t id) {
  return Status::NotFound("study " + std::to_string(id) + " not found");
}
Status MemoryStore::TrialNotFound(std::int64_t id) {
  return Status::NotFound("trial " + std::to_string(id) + " not found");
}
Status MemoryStore::SegmentNotFound(std::int64_t id) {
  return Status::NotFound("segment " + std::to_string(id) + " not found");
}

void MemoryStore::SetTrialStateLocked(TrialRecord& trial, TrialState state, const std::string& error, double now) {
  trial.state = state;
  if (!error.empty()) trial.error = error;
  trial.updated_at = now;
  AddEventLocked(trial.study_id, trial.id, ev::TrialStateChanged(trial.number, state, error), now);
}

void MemoryStore::AddEventLocked(std::int64_t study_id, std::optional<std::int64_t> trial_id,
                                 const ev::EventText& text, double now) {
  EventRecord e;
  e.id = static_cast<std::int64_t>(events_.size()) + 1;
  e.study_id = study_id;
  e.trial_id = trial_id;
  e.kind = text.kind;
  e.detail = text.detail;
  e.time = now;
  events_.push_back(std::move(e));
}

StatusOr<StudyRecord> MemoryStore::CreateStudy(const std::string& name, const std::string& spec_json) {
  std::lock_guard<std::mutex> lock(mu_);
  if (name.empty()) return Status::InvalidArgument("a study needs a non-empty name", "name");
  for (const StudyRecord& s : studies_) {
    if (s.name == name) {
      return Status::AlreadyExists("a study named '" + name + "' already exists (id " + std::to_string(s.id) +
                                   "); choose another name or resume that study");
    }
  }
  StudyRecord study;
  study.id = static_cast<std::int64_t>(studies_.size()) + 1;
  study.name = name;
  study.spec_json = spec_json;
  study.created_at = clock_();
  studies_.push_back(study);
  study_trials_.emplace_back();
  attributes_.emplace_back();
  AddEventLocked(study.id, std::nullopt, ev::StudyCreated(name), study.created_at);
  return study;
}

StatusOr<std::optional<StudyRecord>> MemoryStore::FindStudy(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const StudyRecord& s : studies_) {
    if (s.name == name) return std::optional<StudyRecord>(s);
  }
  return std::optional<StudyRecord>();
}

StatusOr<StudyRecord> MemoryStore::GetStudy(std::int64_t study_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  return studies_[study_id - 1];
}

StatusOr<std::vector<StudyRecord>> MemoryStore::ListStudies() {
  std::lock_guard<std::mutex> lock(mu_);
  return studies_;
}

Status MemoryStore::SetStudyState(std::int64_t study_id, StudyState state) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  StudyRecord& study = studies_[study_id - 1];
  const double now = clock_();
  study.state = state;
  study.finished_at = state == StudyState::kRunning ? 0.0 : now;
  AddEventLocked(study_id, std::nullopt, ev::StudyStateChanged(study.name, state), now);
  return Status::Ok();
}

StatusOr<TrialRecord> MemoryStore::CreateTrial(std::int64_t study_id, const Params& params,
                                               std::optional<std::int64_t> parent_id, int generation) {
  std::lock_guard<std::mutex> lock(mu_);
  return CreateTrialLocked(study_id, params, parent_id, generation);
}

StatusOr<TrialRecord> MemoryStore::CreateTrialLocked(std::int64_t study_id, const Params& params,
                                                     std::optional<std::int64_t> parent_id, int generation) {
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  if (parent_id && !HasTrial(*parent_id)) {
    return Status::NotFound("parent trial " + std::to_string(*parent_id) + " not found");
  }
  TrialRecord trial;
  trial.id = static_cast<std::int64_t>(trials_.size()) + 1;
  trial.study_id = study_id;
  trial.number = static_cast<int>(study_trials_[study_id - 1].size());
  trial.params = params;
  trial.parent_id = parent_id;
  trial.generation = generation;
  trial.created_at = trial.updated_at = clock_();
  trials_.push_back(trial);
  trial_segments_.emplace_back();
  study_trials_[study_id - 1].push_back(trial.id);
  AddEventLocked(study_id, trial.id, ev::TrialCreated(trial.number, params), trial.created_at);
  return trial;
}

StatusOr<TrialRecord> MemoryStore::GetTrial(std::int64_t trial_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
  return trials_[trial_id - 1];
}

StatusOr<std::vector<TrialRecord>> MemoryStore::ListTrials(std::int64_t study_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  std::vector<TrialRecord> out;
  for (std::int64_t id : study_trials_[study_id - 1]) out.push_back(trials_[id - 1]);
  return out;
}

Status MemoryStore::SetTrialState(std::int64_t trial_id, TrialState state, const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
  SetTrialStateLocked(trials_[trial_id - 1], state, error, clock_());
  return Status::Ok();
}

Status MemoryStore::CheckExploit(const TrialRecord& trial, const Exploit& exploit) const {
  if (!HasTrial(exploit.source_trial_id) || trials_[exploit.source_trial_id - 1].study_id != trial.study_id) {
    return Status::NotFound("exploit source trial " + std::to_string(exploit.source_trial_id) +
                            " not found in this study");
  }
  const bool recorded = !exploit.checkpoint.empty() &&
                        std::any_of(checkpoints_.begin(), checkpoints_.end(), [&](const CheckpointRecord& c) {
                          return c.path == exploit.checkpoint && !c.deleted;
                        });
  if (!recorded) {
    return Status::FailedPrecondition("exploit checkpoint '" + exploit.checkpoint +
                                      "' is not a recorded, undeleted checkpoint");
  }
  if (exploit.step < 0) return Status::InvalidArgument("exploit step must be >= 0", "step");
  return Status::Ok();
}

void MemoryStore::ApplyExploit(TrialRecord& trial, const Exploit& exploit, double now) {
  trial.params = exploit.params;
  trial.parent_id = exploit.source_trial_id;
  trial.generation = exploit.generation;
  trial.step = exploit.step;
  trial.checkpoint = exploit.checkpoint;
  AddEventLocked(trial.study_id, trial.id,
                 ev::TrialExploited(trial.number, trials_[exploit.source_trial_id - 1].number, exploit.step,
                                    exploit.params),
                 now);
}

Status MemoryStore::UpdateTrial(std::int64_t trial_id, const TrialUpdate& update) {
  std::lock_guard<std::mutex> lock(mu_);
  if (update.state == TrialState::kRunning) {
    return Status::InvalidArgument("a trial becomes running only by starting a segment", "state");
  }
  if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
  TrialRecord& trial = trials_[trial_id - 1];
  if (trial.state == TrialState::kRunning || IsFinished(trial.state)) {
    return Status::FailedPrecondition("trial " + std::to_string(trial_id) + " is " + ToString(trial.state) +
                                      "; only a pending or paused trial takes a decision");
  }
  if (update.exploit) AT_RETURN_IF_ERROR(CheckExploit(trial, *update.exploit));
  const double now = clock_();
  const TrialState before = trial.state;
  if (update.exploit) ApplyExploit(trial, *update.exploit, now);
  if (update.params) trial.params = *update.params;
  if (update.next_step_end > 0) trial.next_step_end = update.next_step_end;
  trial.state = update.state;
  if (!update.error.empty()) trial.error = update.error;
  trial.updated_at = now;
  if (update.state != before || !update.error.empty())
    AddEventLocked(trial.study_id, trial.id, ev::TrialStateChanged(trial.number, update.state, update.error), now);
  return Status::Ok();
}

StatusOr<std::array<int, 6>> MemoryStore::CountTrials(std::int64_t study_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  std::array<int, 6> counts{};
  for (std::int64_t id : study_trials_[study_id - 1]) ++counts[static_cast<int>(trials_[id - 1].state)];
  return counts;
}

StatusOr<std::optional<TrialRecord>> MemoryStore::BestTrial(std::int64_t study_id, Mode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  const TrialRecord* best = nullptr;
  for (std::int64_t id : study_trials_[study_id - 1]) {
    const TrialRecord& t = trials_[id - 1];
    if (t.state != TrialState::kCompleted || !t.value || std::isnan(*t.value)) continue;
    if (!best || (mode == Mode::kMax ? *t.value > *best->value : *t.value < *best->value)) best = &t;
  }
  return best ? std::optional<TrialRecord>(*best) : std::optional<TrialRecord>();
}

StatusOr<std::vector<TrialRecord>> MemoryStore::ListTrialsPage(std::int64_t study_id, const TrialQuery& query) {
  std::lock_guard<std::mutex> lock(mu_);
  if (query.limit < 1) return Status::InvalidArgument("must be >= 1", "limit");
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  std::vector<TrialRecord> out;
  for (std::int64_t id : study_trials_[study_id - 1]) {
    const TrialRecord& t = trials_[id - 1];
    if (t.number <= query.after_number || (query.state && t.state != *query.state)) continue;
    out.push_back(t);
    if (static_cast<int>(out.size()) == query.limit) break;
  }
  return out;
}

StatusOr<std::vector<EventRecord>> MemoryStore::ListEvents(std::int64_t study_id, std::int64_t after_id,
                                                           int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (limit <= 0) return Status::InvalidArgument("limit must be positive", "limit");
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  std::vector<EventRecord> out;
  // Event ids are positions + 1, so start right after after_id.
  const std::int64_t n = static_cast<std::int64_t>(events_.size());
  for (std::int64_t i = std::max<std::int64_t>(after_id, 0); i < n; ++i) {
    if (events_[i].study_id != study_id) continue;
    out.push_back(events_[i]);
    if (static_cast<int>(out.size()) == limit) break;
  }
  return out;
}

Status MemoryStore::AddEvent(std::int64_t study_id, std::optional<std::int64_t> trial_id, const std::string& kind,
                             const std::string& detail) {
  std::lock_guard<std::mutex> lock(mu_);
  if (kind.empty()) return Status::InvalidArgument("an event needs a kind", "kind");
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  if (trial_id && (!HasTrial(*trial_id) || trials_[*trial_id - 1].study_id != study_id))
    return Status::NotFound("trial " + std::to_string(*trial_id) + " not found in this study");
  AddEventLocked(study_id, trial_id, {kind, detail}, clock_());
  return Status::Ok();
}

Status MemoryStore::SetStudyAttribute(std::int64_t study_id, const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  if (key.empty()) return Status::InvalidArgument("an attribute needs a name", "key");
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  if (value.empty()) {
    attributes_[study_id - 1].erase(key);
  } else {
    attributes_[study_id - 1][key] = value;
  }
  return Status::Ok();
}

StatusOr<std::map<std::string, std::string>> MemoryStore::StudyAttributes(std::int64_t study_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasStudy(study_id)) return StudyNotFound(study_id);
  return attributes_[study_id - 1];
}

StatusOr<std::unique_ptr<StudyLease>> MemoryStore::AcquireStudy(std::int64_t study_id, const std::string& owner) {
  AT_ASSIGN_OR_RETURN(StudyRecord study, GetStudy(study_id));
  std::unique_ptr<StudyLease> lease = leases_.TryAcquire(study_id);
  if (!lease) {
    auto attributes = StudyAttributes(study_id);
    std::string holder = attributes.ok() && attributes->count("owner") ? attributes->at("owner") : "";
    return StudyOwnedElsewhere(study.name, holder);
  }
  AT_RETURN_IF_ERROR(SetStudyAttribute(study_id, "owner", owner));
  return lease;
}

}  // namespace db_detail

std::unique_ptr<Store> NewMemoryStore(const StoreOptions& options) {
  return std::make_unique<db_detail::MemoryStore>(options.clock ? options.clock : &SystemClockSeconds);
}

std::unique_ptr<Store> NewMemoryStore() { return NewMemoryStore(StoreOptions{}); }

}  // namespace autotune
