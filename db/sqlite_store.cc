// SQLite Store: opening, studies, events, attributes and leases. Trials are
// in sqlite_trials.cc; segments, metrics and recovery in sqlite_segments.cc;
// checkpoints in sqlite_checkpoints.cc.
#include "db/sqlite_store.h"

#include <cctype>
#include <utility>
#include <vector>

#include "db/detail/sqlite_store_impl.h"
#include "db/detail/store_rules.h"
#include "db/schema.h"

namespace autotune {
namespace db_detail {
namespace {

namespace ev = store_events;

constexpr const char* kStudyExists = "SELECT 1 FROM studies WHERE id = ?";
constexpr const char* kStudyById = "SELECT " AT_STUDY_COLUMNS " FROM studies WHERE id = ?";
constexpr const char* kStudyByName = "SELECT " AT_STUDY_COLUMNS " FROM studies WHERE name = ?";
constexpr const char* kAllStudies = "SELECT " AT_STUDY_COLUMNS " FROM studies ORDER BY id";
constexpr const char* kInsertStudy =
    "INSERT INTO studies (name, spec_json, state, created_at) VALUES (?, ?, 'running', ?)";
constexpr const char* kUpdateStudyState = "UPDATE studies SET state = ?, finished_at = ? WHERE id = ?";
constexpr const char* kInsertEvent =
    "INSERT INTO events (study_id, trial_id, kind, detail, time) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kEventsAfter =
    "SELECT " AT_EVENT_COLUMNS " FROM events WHERE study_id = ? AND id > ? ORDER BY id LIMIT ?";
constexpr const char* kTrialOfStudy = "SELECT 1 FROM trials WHERE id = ? AND study_id = ?";
constexpr const char* kSetAttribute =
    "INSERT INTO study_attributes (study_id, key, value) VALUES (?, ?, ?) "
    "ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value";
constexpr const char* kDeleteAttribute = "DELETE FROM study_attributes WHERE study_id = ? AND key = ?";
constexpr const char* kAttribute = "SELECT value FROM study_attributes WHERE study_id = ? AND key = ?";
constexpr const char* kAttributes = "SELECT key, value FROM study_attributes WHERE study_id = ? ORDER BY key";

Status StudyNotFound(std::int64_t id) {
  return Status::NotFound("study " + std::to_string(id) + " not found");
}

// A file name as an SQLite URI path (for `immutable=1`): every byte outside
// the unreserved set is percent-encoded.
std::string UriPath(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Opens the file read-only. A WAL database whose folder is read-only cannot
// create its shared-memory file; it is then opened as immutable (no locks),
// which is right for a store on a read-only mount.
std::unique_ptr<SQLite::Database> OpenReadOnly(const std::string& path, int busy_timeout_ms) {
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY, busy_timeout_ms);
    db->execAndGet("PRAGMA user_version");  // the first read is where a missing -shm shows
    return db;
  } catch (const SQLite::Exception& e) {
    if (IsBusy(e)) throw;
    return std::make_unique<SQLite::Database>(UriPath(path) + "?immutable=1",
                                              SQLite::OPEN_READONLY | SQLite::OPEN_URI, busy_timeout_ms);
  }
}

std::unique_ptr<SQLite::Database> OpenWritable(const std::string& path, int busy_timeout_ms) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                               busy_timeout_ms);
  // Check the version before anything writes to the file (journal mode
  // included), so a newer autotune's store is left exactly as it was.
  const int version = db_schema::CurrentVersion(*db);
  if (version > db_schema::LatestVersion()) return db;  // refused by the caller
  db->exec("PRAGMA journal_mode = WAL");
  db->exec("PRAGMA synchronous = NORMAL");
  db->exec("PRAGMA foreign_keys = ON");
  return db;
}

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<SQLite::Database> db, std::string path, const StoreOptions& options)
    : path_(std::move(path)),
      clock_(options.clock ? options.clock : &SystemClockSeconds),
      busy_retry_s_(options.busy_retry_s),
      db_(std::move(db)),
      stmts_(*db_) {}

bool SqliteStore::StudyExists(std::int64_t study_id) {
  auto q = stmts_.Get(kStudyExists);
  q->bind(1, static_cast<int64_t>(study_id));
  return q->executeStep();
}

void SqliteStore::LogEvent(std::int64_t study_id, std::optional<std::int64_t> trial_id,
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
    LogEvent(study.id, std::nullopt, ev::StudyCreated(name), study.created_at);
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
    LogEvent(study_id, std::nullopt, ev::StudyStateChanged(name, state), now);
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

Status SqliteStore::AddEvent(std::int64_t study_id, std::optional<std::int64_t> trial_id,
                             const std::string& kind, const std::string& detail) {
  return Guarded("AddEvent", [&]() -> Status {
    if (kind.empty()) return Status::InvalidArgument("an event needs a kind", "kind");
    auto txn = Write();
    if (!StudyExists(study_id)) return StudyNotFound(study_id);
    if (trial_id) {
      auto q = stmts_.Get(kTrialOfStudy);
      q->bind(1, static_cast<int64_t>(*trial_id));
      q->bind(2, static_cast<int64_t>(study_id));
      if (!q->executeStep())
        return Status::NotFound("trial " + std::to_string(*trial_id) + " not found in this study");
    }
    LogEvent(study_id, trial_id, {kind, detail}, clock_());
    txn.commit();
    return Status::Ok();
  });
}

std::string SqliteStore::AttributeLocked(std::int64_t study_id, const std::string& key) {
  auto q = stmts_.Get(kAttribute);
  q->bind(1, static_cast<int64_t>(study_id));
  q->bind(2, key);
  return q->executeStep() ? q->getColumn(0).getString() : std::string();
}

Status SqliteStore::SetStudyAttribute(std::int64_t study_id, const std::string& key, const std::string& value) {
  return Guarded("SetStudyAttribute", [&]() -> Status {
    if (key.empty()) return Status::InvalidArgument("an attribute needs a name", "key");
    auto txn = Write();
    if (!StudyExists(study_id)) return StudyNotFound(study_id);
    auto q = stmts_.Get(value.empty() ? kDeleteAttribute : kSetAttribute);
    q->bind(1, static_cast<int64_t>(study_id));
    q->bind(2, key);
    if (!value.empty()) q->bind(3, value);
    q->exec();
    txn.commit();
    return Status::Ok();
  });
}

StatusOr<std::map<std::string, std::string>> SqliteStore::StudyAttributes(std::int64_t study_id) {
  return Guarded("StudyAttributes", [&]() -> StatusOr<std::map<std::string, std::string>> {
    auto txn = Read();
    if (!StudyExists(study_id)) return StudyNotFound(study_id);
    auto q = stmts_.Get(kAttributes);
    q->bind(1, static_cast<int64_t>(study_id));
    std::map<std::string, std::string> out;
    while (q->executeStep()) out[q->getColumn(0).getString()] = q->getColumn(1).getString();
    txn.commit();
    return out;
  });
}

StatusOr<std::unique_ptr<StudyLease>> SqliteStore::AcquireStudy(std::int64_t study_id, const std::string& owner) {
  AT_ASSIGN_OR_RETURN(StudyRecord study, GetStudy(study_id));
  std::unique_ptr<StudyLease> lease;
  if (path_ == ":memory:" || path_.empty()) {
    lease = leases_.TryAcquire(study_id);
  } else {
    AT_ASSIGN_OR_RETURN(lease, TryLockStudyFile(LeaseFilePath(path_), study_id));
  }
  if (!lease) {
    auto attributes = StudyAttributes(study_id);
    std::string holder = attributes.ok() && attributes->count("owner") ? attributes->at("owner") : "";
    return StudyOwnedElsewhere(study.name, holder);
  }
  AT_RETURN_IF_ERROR(SetStudyAttribute(study_id, "owner", owner));
  return lease;
}

Status SqliteStore::BeginGroup() {
  std::unique_lock<std::recursive_mutex> lock(mu_);
  if (group_.owns_lock()) return Status::FailedPrecondition("a write group is open already (groups do not nest)");
  AT_RETURN_IF_ERROR(Guarded("BeginGroup", [&]() -> Status {
    db_->exec("BEGIN IMMEDIATE");
    return Status::Ok();
  }));
  group_ = std::move(lock);
  return Status::Ok();
}

Status SqliteStore::EndGroup() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (!group_.owns_lock()) return Status::FailedPrecondition("no write group is open");
  std::unique_lock<std::recursive_mutex> group = std::move(group_);  // the group ends here, committed or not
  try {
    db_->exec("COMMIT");
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    try {
      db_->exec("ROLLBACK");
    } catch (...) {  // SQLite may have rolled back already
    }
    return SqliteError("EndGroup", path_, e);
  }
}

}  // namespace db_detail

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& options) {
  db_detail::BusyBackoff backoff(options.busy_retry_s);
  for (;;) {
    try {
      std::unique_ptr<SQLite::Database> db = options.read_only
                                                 ? db_detail::OpenReadOnly(path, options.busy_timeout_ms)
                                                 : db_detail::OpenWritable(path, options.busy_timeout_ms);
      const int version = db_schema::CurrentVersion(*db);
      if (version > db_schema::LatestVersion()) return db_schema::TooNew(path, version);
      if (options.read_only) {
        if (version < db_schema::LatestVersion()) {
          return Status::FailedPrecondition("store " + path + " has schema version " + std::to_string(version) +
                                            "; open it once with write access to upgrade it to version " +
                                            std::to_string(db_schema::LatestVersion()));
        }
      } else {
        AT_RETURN_IF_ERROR(db_schema::Migrate(*db, path));
      }
      return std::unique_ptr<Store>(new db_detail::SqliteStore(std::move(db), path, options));
    } catch (const SQLite::Exception& e) {
      // Concurrent first opens race for the schema and the journal mode.
      if (db_detail::IsBusy(e) && backoff.Wait()) continue;
      return db_detail::SqliteError("open", path, e);
    } catch (const std::exception& e) {
      return Status::Internal("store " + path + ": open: " + e.what());
    }
  }
}

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  return OpenSqliteStore(path, StoreOptions{});
}

}  // namespace autotune
