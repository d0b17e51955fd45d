// SQLite Store: trials, their decisions (UpdateTrial) and their queries.
#include <unordered_map>
#include <utility>
#include <vector>

#include "db/detail/sqlite_store_impl.h"

namespace autotune::db_detail {
namespace {

namespace ev = store_events;

constexpr const char* kTrialExists = "SELECT 1 FROM trials WHERE id = ?";
constexpr const char* kTrialHead = "SELECT study_id, number, state FROM trials WHERE id = ?";
constexpr const char* kNextTrialNumber =
    "SELECT number + 1 FROM trials WHERE study_id = ? ORDER BY number DESC LIMIT 1";
constexpr const char* kInsertTrial =
    "INSERT INTO trials (study_id, number, state, parent_id, generation, created_at, updated_at) "
    "VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?5)";
constexpr const char* kInsertParam = "INSERT INTO params (trial_id, name, type, value) VALUES (?, ?, ?, ?)";
constexpr const char* kDeleteParams = "DELETE FROM params WHERE trial_id = ?";
constexpr const char* kTrialById = "SELECT " AT_TRIAL_COLUMNS " FROM trials WHERE id = ?";
constexpr const char* kTrialsOfStudy =
    "SELECT " AT_TRIAL_COLUMNS " FROM trials WHERE study_id = ? ORDER BY number";
constexpr const char* kParamsOfTrial = "SELECT name, type, value FROM params WHERE trial_id = ?";
constexpr const char* kParamsOfStudy =
    "SELECT p.trial_id, p.name, p.type, p.value FROM params p JOIN trials t ON t.id = p.trial_id "
    "WHERE t.study_id = ?";
constexpr const char* kUpdateTrialState =
    "UPDATE trials SET state = ?1, error = CASE WHEN ?2 = '' THEN error ELSE ?2 END, updated_at = ?3 "
    "WHERE id = ?4";
constexpr const char* kSetNextStepEnd = "UPDATE trials SET next_step_end = ? WHERE id = ?";
constexpr const char* kApplyExploit =
    "UPDATE trials SET parent_id = ?, generation = ?, step = ?, checkpoint = ? WHERE id = ?";
constexpr const char* kCountByState = "SELECT state, COUNT(*) FROM trials WHERE study_id = ? GROUP BY state";
// NaN is stored as NULL: `value IS NOT NULL` keeps NaN out of the best.
constexpr const char* kBestMin =
    "SELECT id FROM trials WHERE study_id = ? AND state = 'completed' AND has_value = 1 AND value IS NOT NULL "
    "ORDER BY value ASC, number ASC LIMIT 1";
constexpr const char* kBestMax =
    "SELECT id FROM trials WHERE study_id = ? AND state = 'completed' AND has_value = 1 AND value IS NOT NULL "
    "ORDER BY value DESC, number ASC LIMIT 1";
constexpr const char* kPage =
    "SELECT " AT_TRIAL_COLUMNS " FROM trials WHERE study_id = ? AND number > ? ORDER BY number LIMIT ?";
constexpr const char* kPageOfState =
    "SELECT " AT_TRIAL_COLUMNS
    " FROM trials WHERE study_id = ? AND number > ? AND state = ? ORDER BY number LIMIT ?";
constexpr const char* kCheckpointIsComplete = "SELECT 1 FROM checkpoints WHERE path = ? AND deleted = 0";
constexpr const char* kNumberOfTrial = "SELECT number FROM trials WHERE id = ? AND study_id = ?";

Status StudyNotFound(std::int64_t id) {
  return Status::NotFound("study " + std::to_string(id) + " not found");
}
Status TrialNotFound(std::int64_t id) {
  return Status::NotFound("trial " + std::to_string(id) + " not found");
}

}  // namespace

bool SqliteStore::TrialExists(std::int64_t trial_id) {
  auto q = stmts_.Get(kTrialExists);
  q->bind(1, static_cast<int64_t>(trial_id));
  return q->executeStep();
}

std::optional<SqliteStore::TrialHead> SqliteStore::FindTrialHead(std::int64_t trial_id) {
  auto q = stmts_.Get(kTrialHead);
  q->bind(1, static_cast<int64_t>(trial_id));
  if (!q->executeStep()) return std::nullopt;
  TrialHead head;
  head.study_id = q->getColumn(0).getInt64();
  head.number = q->getColumn(1).getInt();
  if (!ParseTrialState(q->getColumn(2).getString(), &head.state)) throw CorruptRow("bad trial state");
  return head;
}

Params SqliteStore::LoadParams(std::int64_t trial_id) {
  auto q = stmts_.Get(kParamsOfTrial);
  q->bind(1, static_cast<int64_t>(trial_id));
  Params params;
  while (q->executeStep()) params.emplace(q->getColumn(0).getString(), ReadParamValue(*q, 1, 2));
  return params;
}

void SqliteStore::WriteParams(std::int64_t trial_id, const Params& params) {
  {
    auto q = stmts_.Get(kDeleteParams);
    q->bind(1, static_cast<int64_t>(trial_id));
    q->exec();
  }
  auto q = stmts_.Get(kInsertParam);
  for (const auto& [name, value] : params) {
    q->bind(1, static_cast<int64_t>(trial_id));
    q->bind(2, name);
    q->bind(3, ParamTypeTag(value));
    BindParamValue(*q, 4, value);
    q->exec();
    q->reset();
  }
}

void SqliteStore::SetTrialStateRow(std::int64_t trial_id, TrialState state, const std::string& error,
                                   double now) {
  auto q = stmts_.Get(kUpdateTrialState);
  q->bind(1, ToString(state));
  q->bind(2, error);
  q->bind(3, now);
  q->bind(4, static_cast<int64_t>(trial_id));
  q->exec();
}

void SqliteStore::SetNextStepEnd(std::int64_t trial_id, std::int64_t next_step_end) {
  if (next_step_end <= 0) return;
  auto q = stmts_.Get(kSetNextStepEnd);
  q->bind(1, static_cast<int64_t>(next_step_end));
  q->bind(2, static_cast<int64_t>(trial_id));
  q->exec();
}

void SqliteStore::ApplyExploit(std::int64_t trial_id, const TrialHead& head, const Exploit& exploit, double now) {
  int source_number = -1;
  {
    auto q = stmts_.Get(kNumberOfTrial);
    q->bind(1, static_cast<int64_t>(exploit.source_trial_id));
    q->bind(2, static_cast<int64_t>(head.study_id));
    if (q->executeStep()) source_number = q->getColumn(0).getInt();
  }
  WriteParams(trial_id, exploit.params);
  auto q = stmts_.Get(kApplyExploit);
  q->bind(1, static_cast<int64_t>(exploit.source_trial_id));
  q->bind(2, exploit.generation);
  q->bind(3, static_cast<int64_t>(exploit.step));
  q->bind(4, exploit.checkpoint);
  q->bind(5, static_cast<int64_t>(trial_id));
  q->exec();
  LogEvent(head.study_id, trial_id, ev::TrialExploited(head.number, source_number, exploit.step, exploit.params),
           now);
}

// Checks an exploit before anything is written; runs inside the caller's transaction.
Status SqliteStore::CheckExploit(const TrialHead& head, const Exploit& exploit) {
  auto q = stmts_.Get(kNumberOfTrial);
  q->bind(1, static_cast<int64_t>(exploit.source_trial_id));
  q->bind(2, static_cast<int64_t>(head.study_id));
  if (!q->executeStep()) {
    return Status::NotFound("exploit source trial " + std::to_string(exploit.source_trial_id) +
                            " not found in this study");
  }
  auto c = stmts_.Get(kCheckpointIsComplete);
  c->bind(1, exploit.checkpoint);
  if (exploit.checkpoint.empty() || !c->executeStep()) {
    return Status::FailedPrecondition("exploit checkpoint '" + exploit.checkpoint +
                                      "' is not a recorded, undeleted checkpoint");
  }
  if (exploit.step < 0) return Status::InvalidArgument("exploit step must be >= 0", "step");
  return Status::Ok();
}

StatusOr<TrialRecord> SqliteStore::CreateTrial(std::int64_t study_id, const Params& params,
                                               std::optional<std::int64_t> parent_id, int generation) {
  return Guarded("CreateTrial", [&]() -> StatusOr<TrialRecord> {
    auto txn = Write();
    AT_ASSIGN_OR_RETURN(TrialRecord trial, InsertTrial(study_id, params, parent_id, generation));
    txn.commit();
    return trial;
  });
}

StatusOr<TrialRecord> SqliteStore::InsertTrial(std::int64_t study_id, const Params& params,
                                               std::optional<std::int64_t> parent_id, int generation) {
  if (!StudyExists(study_id)) return StudyNotFound(study_id);
  if (parent_id && !TrialExists(*parent_id)) {
    return Status::NotFound("parent trial " + std::to_string(*parent_id) + " not found");
  }
  TrialRecord trial;
  trial.study_id = study_id;
  trial.params = params;
  trial.parent_id = parent_id;
  trial.generation = generation;
  trial.created_at = trial.updated_at = clock_();
  {
    auto q = stmts_.Get(kNextTrialNumber);
    q->bind(1, static_cast<int64_t>(study_id));
    trial.number = q->executeStep() ? q->getColumn(0).getInt() : 0;
  }
  {
    auto q = stmts_.Get(kInsertTrial);
    q->bind(1, static_cast<int64_t>(study_id));
    q->bind(2, trial.number);
    BindOptionalId(*q, 3, parent_id);
    q->bind(4, generation);
    q->bind(5, trial.created_at);
    q->exec();
    trial.id = db_->getLastInsertRowid();
  }
  auto q = stmts_.Get(kInsertParam);
  for (const auto& [name, value] : params) {
    q->bind(1, static_cast<int64_t>(trial.id));
    q->bind(2, name);
    q->bind(3, ParamTypeTag(value));
    BindParamValue(*q, 4, value);
    q->exec();
    q->reset();
  }
  LogEvent(study_id, trial.id, ev::TrialCreated(trial.number, params), trial.created_at);
  return trial;
}

StatusOr<TrialRecord> SqliteStore::GetTrial(std::int64_t trial_id) {
  return Guarded("GetTrial", [&]() -> StatusOr<TrialRecord> {
    auto txn = Read();
    TrialRecord trial;
    {
      auto q = stmts_.Get(kTrialById);
      q->bind(1, static_cast<int64_t>(trial_id));
      if (!q->executeStep()) return TrialNotFound(trial_id);
      trial = ReadTrial(*q);
    }
    trial.params = LoadParams(trial_id);
    txn.commit();
    return trial;
  });
}

StatusOr<std::vector<TrialRecord>> SqliteStore::ListTrials(std::int64_t study_id) {
  return Guarded("ListTrials", [&]() -> StatusOr<std::vector<TrialRecord>> {
    auto txn = Read();
    if (!StudyExists(study_id)) return StudyNotFound(study_id);
    std::vector<TrialRecord> trials;
    std::unordered_map<std::int64_t, std::size_t> index;  // trial id -> position
    {
      auto q = stmts_.Get(kTrialsOfStudy);
      q->bind(1, static_cast<int64_t>(study_id));
      while (q->executeStep()) {
        trials.push_back(ReadTrial(*q));
        index.emplace(trials.back().id, trials.size() - 1);
      }
    }
    auto q = stmts_.Get(kParamsOfStudy);
    q->bind(1, static_cast<int64_t>(study_id));
    while (q->executeStep()) {
      auto it = index.find(q->getColumn(0).getInt64());
      if (it == index.end()) continue;  // unreachable: the join limits rows to the study's trials
      trials[it->second].params.emplace(q->getColumn(1).getString(), ReadParamValue(*q, 2, 3));
    }
    txn.commit();
    return trials;
  });
}

Status SqliteStore::SetTrialState(std::int64_t trial_id, TrialState state, const std::string& error) {
  return Guarded("SetTrialState", [&]() -> Status {
    auto txn = Write();
    const std::optional<TrialHead> head = FindTrialHead(trial_id);
    if (!head) return TrialNotFound(trial_id);
    const double now = clock_();
    SetTrialStateRow(trial_id, state, error, now);
    LogEvent(head->study_id, trial_id, ev::TrialStateChanged(head->number, state, error), now);
    txn.commit();
    return Status::Ok();
  });
}

Status SqliteStore::UpdateTrial(std::int64_t trial_id, const TrialUpdate& update) {
  return Guarded("UpdateTrial", [&]() -> Status {
    if (update.state == TrialState::kRunning) {
      return Status::InvalidArgument("a trial becomes running only by starting a segment", "state");
    }
    auto txn = Write();
    const std::optional<TrialHead> head = FindTrialHead(trial_id);
    if (!head) return TrialNotFound(trial_id);
    if (head->state == TrialState::kRunning || IsFinished(head->state)) {
      return Status::FailedPrecondition("trial " + std::to_string(trial_id) + " is " + ToString(head->state) +
                                        "; only a pending or paused trial takes a decision");
    }
    if (update.exploit) AT_RETURN_IF_ERROR(CheckExploit(*head, *update.exploit));
    const double now = clock_();
    if (update.exploit) ApplyExploit(trial_id, *head, *update.exploit, now);
    if (update.params) WriteParams(trial_id, *update.params);
    SetNextStepEnd(trial_id, update.next_step_end);
    SetTrialStateRow(trial_id, update.state, update.error, now);
    if (update.state != head->state || !update.error.empty())
      LogEvent(head->study_id, trial_id, ev::TrialStateChanged(head->number, update.state, update.error), now);
    txn.commit();
    return Status::Ok();
  });
}

StatusOr<std::array<int, 6>> SqliteStore::CountTrials(std::int64_t study_id) {
  return Guarded("CountTrials", [&]() -> StatusOr<std::array<int, 6>> {
    auto txn = Read();
    if (!StudyExists(study_id)) return StudyNotFound(study_id);
    std::array<int, 6> counts{};
    auto q = stmts_.Get(kCountByState);
    q->bind(1, static_cast<int64_t>(study_id));
    while (q->executeStep()) {
      TrialState state;
      if (!ParseTrialState(q->getColumn(0).getString(), &state)) throw CorruptRow("bad trial state");
      counts[static_cast<int>(state)] = q->getColumn(1).getInt();
    }
    txn.commit();
    return counts;
  });
}

StatusOr<std::optional<TrialRecord>> SqliteStore::BestTrial(std::int64_t study_id, Mode mode) {
  std::optional<std::int64_t> id;
  Status s = Guarded("BestTrial", [&]() -> Status {
    auto txn = Read();
    if (!StudyExists(study_id)) return StudyNotFound(study_id);
    auto q = stmts_.Get(mode == Mode::kMax ? kBestMax : kBestMin);
    q->bind(1, static_cast<int64_t>(study_id));
    if (q->executeStep()) id = q->getColumn(0).getInt64();
    txn.commit();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!id) return std::optional<TrialRecord>();
  AT_ASSIGN_OR_RETURN(TrialRecord best, GetTrial(*id));
  return std::optional<TrialRecord>(std::move(best));
}

StatusOr<std::vector<TrialRecord>> SqliteStore::ListTrialsPage(std::int64_t study_id, const TrialQuery& query) {
  return Guarded("ListTrialsPage", [&]() -> StatusOr<std::vector<TrialRecord>> {
    if (query.limit < 1) return Status::InvalidArgument("must be >= 1", "limit");
    auto txn = Read();
    if (!StudyExists(study_id)) return StudyNotFound(study_id);
    std::vector<TrialRecord> trials;
    {
      auto q = stmts_.Get(query.state ? kPageOfState : kPage);
      int i = 1;
      q->bind(i++, static_cast<int64_t>(study_id));
      q->bind(i++, query.after_number);
      if (query.state) q->bind(i++, ToString(*query.state));
      q->bind(i++, query.limit);
      while (q->executeStep()) trials.push_back(ReadTrial(*q));
    }
    for (auto& t : trials) t.params = LoadParams(t.id);
    txn.commit();
    return trials;
  });
}

}  // namespace autotune::db_detail
