// SQLite helpers private to db/: a prepared-statement cache and the
// conversion of SQLite exceptions into Status values.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "tuner/core/status.h"

namespace autotune::db_detail {

// Prepared statements kept for the connection's lifetime, keyed by SQL text,
// so hot statements are compiled once. Not thread-safe: the store's mutex
// guards it. Must be destroyed before its Database.
class StatementCache {
 public:
  // A statement borrowed from the cache; on destruction it is reset (ending
  // any read it was doing) and returned. Bind every parameter before use.
  class Use {
   public:
    Use(SQLite::Statement* stmt, bool* busy, std::unique_ptr<SQLite::Statement> owned);
    Use(Use&& other) noexcept;
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Use& operator=(Use&&) = delete;
    ~Use();
    SQLite::Statement& operator*() const { return *stmt_; }
    SQLite::Statement* operator->() const { return stmt_; }

   private:
    SQLite::Statement* stmt_;
    bool* busy_;                                // the cache entry's flag, or null
    std::unique_ptr<SQLite::Statement> owned_;  // set when the entry was busy
  };

  explicit StatementCache(SQLite::Database& db) : db_(db) {}
  // The cached statement for sql; a second, uncached one when the cached
  // statement is still in use higher up the call stack.
  Use Get(const char* sql);

 private:
  struct Entry {
    std::unique_ptr<SQLite::Statement> stmt;
    bool busy = false;
  };
  SQLite::Database& db_;
  std::unordered_map<std::string, Entry> entries_;
};

// True for SQLITE_BUSY and SQLITE_LOCKED (another connection holds a lock).
bool IsBusy(const SQLite::Exception& e);

// Waits between retries of a busy transaction: 5 ms doubling up to 500 ms,
// until `budget_s` seconds have been spent waiting.
class BusyBackoff {
 public:
  explicit BusyBackoff(double budget_s) : budget_s_(budget_s) {}
  // Sleeps and returns true, or returns false when the budget is spent.
  bool Wait();

 private:
  double budget_s_;
  double waited_s_ = 0;
  int delay_ms_ = 5;
};

// A Status for a failed SQLite call, with advice the user can act on:
// Unavailable for busy/locked/full/unopenable files, FailedPrecondition for
// read-only files and files that are not SQLite databases, Internal otherwise.
// `op` names the Store method, `path` the database file.
Status SqliteError(const std::string& op, const std::string& path, const SQLite::Exception& e);

}  // namespace autotune::db_detail
