// The SQLite Store: one connection in WAL mode (synchronous=NORMAL,
// foreign_keys=ON, a busy timeout), schema versioned with PRAGMA user_version
// and migrated on open (db/schema.h). Every Store method runs under one mutex
// and, when it writes, inside one BEGIN IMMEDIATE transaction that rolls back
// on any error. Several processes may open the same file; writers wait up to
// busy_timeout_ms for each other and then fail with Unavailable. Inside a
// write group (Store::BeginGroup) the group is the one transaction and each
// call a savepoint of it (db/detail/txn_scope.h).
#pragma once

#include <memory>
#include <string>

#include "db/store.h"
#include "db/store_options.h"

namespace autotune {

// As OpenSqliteStore(path), with an injected clock and busy timeout. A file
// whose schema is newer than this build knows is refused (FailedPrecondition)
// without being modified.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& options);

}  // namespace autotune
