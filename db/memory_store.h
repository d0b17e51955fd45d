// The in-memory Store: the same contract as the SQLite store (one typed test
// suite pins both), kept in process memory under one mutex. For fast tests of
// the coordinator and for throwaway studies.
#pragma once

#include <memory>

#include "db/store.h"
#include "db/store_options.h"

namespace autotune {

// As NewMemoryStore(), with an injected clock (busy_timeout_ms is ignored).
std::unique_ptr<Store> NewMemoryStore(const StoreOptions& options);

}  // namespace autotune
