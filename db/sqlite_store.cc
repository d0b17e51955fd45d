// SQLite Store: opening, studies, trials and events. Segments, metrics,
// checkpoints and recovery are in sqlite_segments.cc.
#include "db/sqlite_store.h"

#include <unordered_map>
#include <utility>
#include <vector>

#include "db/detail/sqlite_store_impl.h"
#include "db/schema.h"

namespace autotune {
namespace db_detail {
namespace {

namespace ev = store_events;

constexpr const char* kStudyExists = "SELECT 1 FROM studies WHERE id = ?";
constexpr const char* kTrialExists = "SELECT 1 FROM trials WHERE id = ?";
constexpr const char* kTrialHead = "SELECT study_id, number, state FROM trials WHERE id = ?";
constexpr const char* kStudyById = "SELECT " AT_STUDY_COLUMNS " FROM studies WHERE id = ?";
constexpr const char* kStudyByName = "SELECT " AT_STUDY_COLUMNS " FROM studies WHERE name = ?";
constexpr const char* kAllStudies = "SELECT " AT_STUDY_COLUMNS " FROM studies ORDER BY id";
constexpr const char* kInsertStudy =
    "INSERT INTO studies (name, spec_json, state, created_at) VALUES (?, ?, 'running', ?)";
constexpr const char* kUpdateStudyState = "UPDATE studies SET state = ?, finished_at = ? WHERE id = ?";
constexpr const char* kNextTrialNumber =
    "SELECT number + 1 FROM trials WHERE study_id = ? ORDER BY number DESC LIMIT 1";
constexpr const char* kInsertTrial =
    "INSERT INTO trials (study_id, number, state, parent_id, generation, created_at, updated_at) "
    "VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?5)";
constexpr const char* kInsertParam = "INSERT INTO params (trial_id, name, type, value) VALUES (?, ?, ?, ?)";
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
constexpr const char* kInsertEvent =
    "INSERT INTO events (study_id, trial_id, kind, detail, time) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kEventsAfter =
    "SELECT " AT_EVENT_COLUMNS " FROM events WHERE study_id = ? AND id > ? ORDER BY id LIMIT ?";

Status StudyNotFound(std::int64_t id) {
  return Status::NotFound("study " + std::to_string(id) + " not found");
}
Status TrialNotFound(std::int64_t id) {
  return Status::NotFound("trial " + std::to_string(id) + " not found");
}

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<SQLite::Database> db, std::string path,
                         std::function<double()> clock)
    : path_(std::move(path)), clock_(std::move(clock)), db_(std::move(db)), stmts_(*db_) {}

bool SqliteStore::StudyExists(std::int64_t study_id) {
  auto q = stmts_.Get(kStudyExists);
  q->bind(1, static_cast<int64_t>(study_id));
  return q->executeStep();
}

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

void SqliteStore::SetTrialStateRow(std::int64_t trial_id, TrialState state, const std::string& error,
                                   double now) {
  auto q = stmts_.Get(kUpdateTrialState);
  q->bind(1, ToString(state));
  q->bind(2, error);
  q->bind(3, now);
  q->bind(4, static_cast<int64_t>(trial_id));
  q->exec();
}

void SqliteStore::AddEvent(std::int64_t study_id, std::optional<std::int64_t> trial_id,
                           const ev::EventText& event, double now) {
  auto q = stmts_.Get(kInsertEvent);
  q->bind(1, static_cast<int64_t>(study_id));
  BindOptionalId(*q, 2, trial_id);
  q->bind(3, event.kind);
  q->bind(4, event.detail);
  q->bind(5, now);
  q->exec();
}

StatusOr<StudyRecord> SqliteStore::CreateStudy(const std::string& name, const std::string& spec_json) {
  return Guarded("CreateStudy", [&]() -> StatusOr<StudyRecord> {
    if (name.empty()) return Status::InvalidArgument("a study needs a non-empty name", "name");
    auto txn = Write();
    {
      auto q = stmts_.Get(kStudyByName);
      q->bind(1, name);
      if (q->executeStep()) {
        return Status::AlreadyExists("a study named '" + name + "' already exists (id " +
                                     std::to_string(q->getColumn(0).getInt64()) +
                                     "); choose another name or resume that study");
      }
    }
    StudyRecord study;
    study.name = name;
    study.spec_json = spec_json;
    study.created_at = clock_();
    auto q = stmts_.Get(kInsertStudy);
    q->bind(1, name);
    q->bind(2, spec_json);
    q->bind(3, study.created_at);
    q->exec();
    study.id = db_->getLastInsertRowid();
    AddEvent(study.id, std::nullopt, ev::StudyCreated(name), study.created_at);
    txn.commit();
    return study;
  });
}

StatusOr<std::optional<StudyRecord>> SqliteStore::FindStudy(const std::string& name) {
  return Guarded("FindStudy", [&]() -> StatusOr<std::optional<StudyRecord>> {
    auto q = stmts_.Get(kStudyByName);
    q->bind(1, name);
    if (!q->executeStep()) return std::optional<StudyRecord>();
    return std::optional<StudyRecord>(ReadStudy(*q));
  });
}

StatusOr<StudyRecord> SqliteStore::GetStudy(std::int64_t study_id) {
  return Guarded("GetStudy", [&]() -> StatusOr<StudyRecord> {
    auto q = stmts_.Get(kStudyById);
    q->bind(1, static_cast<int64_t>(study_id));
    if (!q->executeStep()) return StudyNotFound(study_id);
    return ReadStudy(*q);
  });
}

StatusOr<std::vector<StudyRecord>> SqliteStore::ListStudies() {
  return Guarded("ListStudies", [&]() -> StatusOr<std::vector<StudyRecord>> {
    auto q = stmts_.Get(kAllStudies);
    std::vector<StudyRecord> out;
    while (q->executeStep()) out.push_back(ReadStudy(*q));
    return out;
  });
}

Status SqliteStore::SetStudyState(std::int64_t study_id, StudyState state) {
  return Guarded("SetStudyState", [&]() -> Status {
    auto txn = Write();
    std::string name;
    {
      auto q = stmts_.Get(kStudyById);
      q->bind(1, static_cast<int64_t>(study_id));
      if (!q->executeStep()) return StudyNotFound(study_id);
      name = q->getColumn(1).getString();
    }
    const double now = clock_();
    auto q = stmts_.Get(kUpdateStudyState);
    q->bind(1, ToString(state));
    q->bind(2, state == StudyState::kRunning ? 0.0 : now);
    q->bind(3, static_cast<int64_t>(study_id));
    q->exec();
    AddEvent(study_id, std::nullopt, ev::StudyStateChanged(name, state), now);
    txn.commit();
    return Status::Ok();
  });
}

StatusOr<TrialRecord> SqliteStore::CreateTrial(std::int64_t study_id, const Params& params,
                                               std::optional<std::int64_t> parent_id, int generation) {
  return Guarded("CreateTrial", [&]() -> StatusOr<TrialRecord> {
    auto txn = Write();
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
    AddEvent(study_id, trial.id, ev::TrialCreated(trial.number, params), trial.created_at);
    txn.commit();
    return trial;
  });
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
    AddEvent(head->study_id, trial_id, ev::TrialStateChanged(head->number, state, error), now);
    txn.commit();
    return Status::Ok();
  });
}

StatusOr<std::vector<EventRecord>> SqliteStore::ListEvents(std::int64_t study_id, std::int64_t after_id,
                                                           int limit) {
  return Guarded("ListEvents", [&]() -> StatusOr<std::vector<EventRecord>> {
    if (limit <= 0) return Status::InvalidArgument("limit must be positive", "limit");
    auto txn = Read();
    if (!StudyExists(study_id)) return StudyNotFound(study_id);
    auto q = stmts_.Get(kEventsAfter);
    q->bind(1, static_cast<int64_t>(study_id));
    q->bind(2, static_cast<int64_t>(after_id));
    q->bind(3, limit);
    std::vector<EventRecord> events;
    while (q->executeStep()) events.push_back(ReadEvent(*q));
    txn.commit();
    return events;
  });
}

}  // namespace db_detail

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& options) {
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                 options.busy_timeout_ms);
    // Check the version before anything writes to the file (journal mode
    // included), so a newer autotune's store is left exactly as it was.
    const int version = db_schema::CurrentVersion(*db);
    if (version > db_schema::LatestVersion()) return db_schema::TooNew(path, version);
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = NORMAL");
    db->exec("PRAGMA foreign_keys = ON");
    AT_RETURN_IF_ERROR(db_schema::Migrate(*db, path));
    std::function<double()> clock = options.clock ? options.clock : &SystemClockSeconds;
    return std::unique_ptr<Store>(new db_detail::SqliteStore(std::move(db), path, std::move(clock)));
  } catch (const SQLite::Exception& e) {
    return db_detail::SqliteError("open", path, e);
  } catch (const std::exception& e) {
    return Status::Internal("store " + path + ": open: " + e.what());
  }
}

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  return OpenSqliteStore(path, StoreOptions{});
}

}  // namespace autotune
