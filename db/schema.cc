#include "db/schema.h"

#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <iterator>

namespace autotune::db_schema {
namespace {

// Migration 1: everything. Conventions: text columns default to '' rather
// than NULL; times are unix seconds (REAL); a NULL metric or float param
// value stands for NaN, which SQLite cannot store.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE studies (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  spec_json   TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'stopped')),
  created_at  REAL NOT NULL,
  finished_at REAL NOT NULL DEFAULT 0
);

CREATE TABLE trials (
  id          INTEGER PRIMARY KEY,
  study_id    INTEGER NOT NULL REFERENCES studies(id),
  number      INTEGER NOT NULL,
  state       TEXT NOT NULL
              CHECK (state IN ('pending', 'running', 'paused', 'completed', 'pruned', 'failed')),
  has_value   INTEGER NOT NULL DEFAULT 0,  -- value known (a NULL value then means NaN)
  value       REAL,
  step        INTEGER NOT NULL DEFAULT 0,
  parent_id   INTEGER REFERENCES trials(id),
  generation  INTEGER NOT NULL DEFAULT 0,
  checkpoint  TEXT NOT NULL DEFAULT '',
  error       TEXT NOT NULL DEFAULT '',
  created_at  REAL NOT NULL,
  updated_at  REAL NOT NULL,
  UNIQUE (study_id, number)
);

-- One typed row per trial parameter; `value` has no declared type so SQLite
-- keeps exactly what was bound (REAL, INTEGER or TEXT).
CREATE TABLE params (
  trial_id    INTEGER NOT NULL REFERENCES trials(id),
  name        TEXT NOT NULL,
  type        TEXT NOT NULL CHECK (type IN ('float', 'int', 'bool', 'string')),
  value,
  PRIMARY KEY (trial_id, name)
) WITHOUT ROWID;

CREATE TABLE segments (
  id             INTEGER PRIMARY KEY,
  trial_id       INTEGER NOT NULL REFERENCES trials(id),
  attempt        INTEGER NOT NULL,
  step_begin     INTEGER NOT NULL,
  step_end       INTEGER NOT NULL,
  params_json    TEXT NOT NULL,
  resume_from    TEXT NOT NULL DEFAULT '',
  checkpoint_dir TEXT NOT NULL DEFAULT '',
  state          TEXT NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'cancelled')),
  exit_code      INTEGER NOT NULL DEFAULT 0,
  error          TEXT NOT NULL DEFAULT '',
  log_tail       TEXT NOT NULL DEFAULT '',
  started_at     REAL NOT NULL,
  finished_at    REAL NOT NULL DEFAULT 0
);
CREATE INDEX segments_by_trial ON segments(trial_id, step_begin);

-- One row per (segment, step, metric name); reports of the same step merge.
CREATE TABLE metrics (
  segment_id  INTEGER NOT NULL REFERENCES segments(id),
  step        INTEGER NOT NULL,
  name        TEXT NOT NULL,
  value       REAL,
  PRIMARY KEY (segment_id, step, name)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  id          INTEGER PRIMARY KEY,
  trial_id    INTEGER NOT NULL REFERENCES trials(id),
  segment_id  INTEGER NOT NULL REFERENCES segments(id),
  step        INTEGER NOT NULL,
  path        TEXT NOT NULL,
  deleted     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checkpoints_by_trial ON checkpoints(trial_id);

CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  study_id    INTEGER NOT NULL REFERENCES studies(id),
  trial_id    INTEGER REFERENCES trials(id),
  kind        TEXT NOT NULL,
  detail      TEXT NOT NULL DEFAULT '',
  time        REAL NOT NULL
);
CREATE INDEX events_by_study ON events(study_id, id);
)sql";

// Migration 2: the study engine. A trial's planned next segment; a segment's
// objective value and the trial whose checkpoint it resumed from (lineage);
// checkpoint copies (origin) and sizes; study attributes; indexes for counts,
// best-trial and paged queries and for the checkpoint pin check.
constexpr const char* kMigration2 = R"sql(
ALTER TABLE trials ADD COLUMN next_step_end INTEGER NOT NULL DEFAULT 0;
CREATE INDEX trials_by_state ON trials(study_id, state, number);
CREATE INDEX trials_by_value ON trials(study_id, state, has_value, value);
CREATE INDEX trials_by_checkpoint ON trials(checkpoint) WHERE checkpoint != '';

ALTER TABLE segments ADD COLUMN has_value INTEGER NOT NULL DEFAULT 0;
ALTER TABLE segments ADD COLUMN value REAL;
ALTER TABLE segments ADD COLUMN source_trial_id INTEGER REFERENCES trials(id);

-- Rebuilt: a copied checkpoint (segment_id NULL) was written by no segment.
CREATE TABLE checkpoints_v2 (
  id              INTEGER PRIMARY KEY,
  trial_id        INTEGER NOT NULL REFERENCES trials(id),
  segment_id      INTEGER REFERENCES segments(id),
  step            INTEGER NOT NULL,
  path            TEXT NOT NULL,
  deleted         INTEGER NOT NULL DEFAULT 0,
  origin_trial_id INTEGER REFERENCES trials(id),
  bytes           INTEGER NOT NULL DEFAULT 0
);
INSERT INTO checkpoints_v2 (id, trial_id, segment_id, step, path, deleted)
  SELECT id, trial_id, segment_id, step, path, deleted FROM checkpoints;
DROP TABLE checkpoints;
ALTER TABLE checkpoints_v2 RENAME TO checkpoints;
CREATE INDEX checkpoints_by_trial ON checkpoints(trial_id);
CREATE INDEX checkpoints_by_path ON checkpoints(path);

CREATE TABLE study_attributes (
  study_id    INTEGER NOT NULL REFERENCES studies(id),
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  PRIMARY KEY (study_id, key)
) WITHOUT ROWID;
)sql";

constexpr const char* kMigrations[] = {kMigration1, kMigration2};

}  // namespace

int LatestVersion() { return static_cast<int>(std::size(kMigrations)); }

int CurrentVersion(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

Status TooNew(const std::string& path, int version) {
  return Status::FailedPrecondition("store " + path + " has schema version " + std::to_string(version) +
                                    " but this build of autotune knows versions up to " +
                                    std::to_string(LatestVersion()) +
                                    "; open it with a newer autotune or use another --db file");
}

Status Migrate(SQLite::Database& db, const std::string& path, int target) {
  // IMMEDIATE: two processes opening a fresh file must not both migrate it.
  SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
  const int version = CurrentVersion(db);
  if (version > LatestVersion()) return TooNew(path, version);
  if (version < 0) {
    return Status::FailedPrecondition("store " + path + " has an invalid schema version " +
                                      std::to_string(version) + "; it was not written by autotune");
  }
  for (int v = version; v < std::min(target, LatestVersion()); ++v) {
    db.exec(kMigrations[v]);
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.exec("PRAGMA user_version = " + std::to_string(v + 1));
  }
  txn.commit();
  return Status::Ok();
}

}  // namespace autotune::db_schema
