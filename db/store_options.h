// Options shared by the Store implementations (SQLite and in-memory).
#pragma once

#include <functional>

namespace autotune {

struct StoreOptions {
  // Wall-clock time in unix seconds. Every timestamp the store writes
  // (created_at, started_at, event times, ...) comes from this function, so
  // tests can inject a deterministic clock. Empty: the system clock.
  std::function<double()> clock;
  // SQLite only: how long one statement waits for another connection's lock
  // (SQLite's busy handler).
  int busy_timeout_ms = 5000;
  // SQLite only: a call that still finds the database busy or locked is
  // retried from the start of its transaction, with backoff, for up to this
  // long before it fails with Unavailable (a backup or a sqlite3 shell may
  // hold the lock for seconds). Opening the file is retried the same way.
  double busy_retry_s = 60;
  // SQLite only: open without writing anything (no schema migration, no
  // journal-mode change), for queries on a store that may sit on a read-only
  // mount; every write then fails with FailedPrecondition.
  bool read_only = false;
};

// Seconds since the unix epoch from std::chrono::system_clock.
double SystemClockSeconds();

}  // namespace autotune
