// Options shared by the Store implementations (SQLite and in-memory).
#pragma once

#include <functional>

namespace autotune {

struct StoreOptions {
  // Wall-clock time in unix seconds. Every timestamp the store writes
  // (created_at, started_at, event times, ...) comes from this function, so
  // tests can inject a deterministic clock. Empty: the system clock.
  std::function<double()> clock;
  // SQLite only: how long a write waits for another connection's lock before
  // the call fails with Unavailable.
  int busy_timeout_ms = 5000;
};

// Seconds since the unix epoch from std::chrono::system_clock.
double SystemClockSeconds();

}  // namespace autotune
