#include "db/detail/sqlite_util.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

namespace autotune::db_detail {

StatementCache::Use::Use(SQLite::Statement* stmt, bool* busy, std::unique_ptr<SQLite::Statement> owned)
    : stmt_(stmt), busy_(busy), owned_(std::move(owned)) {}

StatementCache::Use::Use(Use&& other) noexcept
    : stmt_(other.stmt_), busy_(std::exchange(other.busy_, nullptr)), owned_(std::move(other.owned_)) {
  other.stmt_ = nullptr;
}

StatementCache::Use::~Use() {
  if (stmt_ == nullptr) return;
  stmt_->tryReset();  // reports the last step's error, which was already thrown
  if (busy_ != nullptr) *busy_ = false;
}

StatementCache::Use StatementCache::Get(const char* sql) {
  Entry& entry = entries_[sql];
  if (entry.busy) {
    auto owned = std::make_unique<SQLite::Statement>(db_, sql);
    SQLite::Statement* stmt = owned.get();
    return Use(stmt, nullptr, std::move(owned));
  }
  if (!entry.stmt) entry.stmt = std::make_unique<SQLite::Statement>(db_, sql);
  entry.busy = true;
  return Use(entry.stmt.get(), &entry.busy, nullptr);
}

bool IsBusy(const SQLite::Exception& e) {
  const int code = e.getErrorCode() & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

bool BusyBackoff::Wait() {
  if (waited_s_ >= budget_s_) return false;
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
  waited_s_ += delay_ms_ / 1000.0;
  delay_ms_ = std::min(delay_ms_ * 2, 500);
  return true;
}

Status SqliteError(const std::string& op, const std::string& path, const SQLite::Exception& e) {
  const std::string what = "store " + path + ": " + op + ": " + e.what();
  switch (e.getErrorCode()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(what +
                                 " (another process holds the database lock; retry, or stop the "
                                 "other autotune process using this file)");
    case SQLITE_FULL:
      return Status::Unavailable(what + " (the disk is full; free space and retry)");
    case SQLITE_CANTOPEN:
      return Status::Unavailable(what + " (check that the folder exists and is writable)");
    case SQLITE_IOERR:
      return Status::Unavailable(what + " (an I/O error; check the disk and retry)");
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::FailedPrecondition(what + " (the file is read-only; check its permissions)");
    case SQLITE_NOTADB:
      return Status::FailedPrecondition(what +
                                        " (the file is not a SQLite database; pass another --db path)");
    case SQLITE_CORRUPT:
      return Status::Internal(what + " (the database file is damaged; restore it from a backup)");
    default:
      return Status::Internal(what);
  }
}

}  // namespace autotune::db_detail
