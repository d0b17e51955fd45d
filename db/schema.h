// The SQLite schema as ordered migrations. PRAGMA user_version holds the
// number of migrations applied; opening a store applies the missing ones in
// one transaction. Migrations are append-only: never edit one that shipped,
// add the next instead.
#pragma once

#include <SQLiteCpp/Database.h>

#include <string>

#include "tuner/core/status.h"

namespace autotune::db_schema {

// The schema version this build writes (the number of migrations).
int LatestVersion();

// The file's PRAGMA user_version.
int CurrentVersion(SQLite::Database& db);

// Refuses (FailedPrecondition) a file newer than LatestVersion(), else
// brings it up to `target` (tests build old files with a smaller one).
// `path` is only used in messages. SQLite exceptions propagate to the caller.
Status Migrate(SQLite::Database& db, const std::string& path, int target = LatestVersion());

// The error for a file whose schema this build does not know.
Status TooNew(const std::string& path, int version);

}  // namespace autotune::db_schema
