// Row <-> record conversion for the SQLite store. Each reader expects the
// columns of its AT_*_COLUMNS list, in that order, starting at column 0.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <stdexcept>

#include "db/store.h"
#include "tuner/core/params.h"
#include "tuner/core/trial.h"

// Column lists as string literals so whole statements stay literals.
#define AT_STUDY_COLUMNS "id, name, spec_json, state, created_at, finished_at"
#define AT_TRIAL_COLUMNS                                                                     \
  "id, study_id, number, state, has_value, value, step, parent_id, generation, checkpoint, " \
  "error, created_at, updated_at, next_step_end"
#define AT_SEGMENT_COLUMNS                                                                  \
  "id, trial_id, attempt, step_begin, step_end, params_json, resume_from, checkpoint_dir, " \
  "state, exit_code, error, log_tail, started_at, finished_at, has_value, value, source_trial_id"
#define AT_SEGMENT_SUMMARY_COLUMNS "id, trial_id, step_begin, step_end, state, has_value, value"
#define AT_CHECKPOINT_COLUMNS "id, trial_id, segment_id, step, path, deleted, origin_trial_id, bytes"
#define AT_EVENT_COLUMNS "id, study_id, trial_id, kind, detail, time"

namespace autotune::db_detail {

// Thrown by the readers when a row holds something this store never writes
// (a damaged or foreign file); the store's edge turns it into Internal.
class CorruptRow : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

StudyRecord ReadStudy(const SQLite::Statement& s);
TrialRecord ReadTrial(const SQLite::Statement& s);  // params left empty
SegmentRecord ReadSegment(const SQLite::Statement& s);
SegmentSummary ReadSegmentSummary(const SQLite::Statement& s);
CheckpointRecord ReadCheckpoint(const SQLite::Statement& s);
EventRecord ReadEvent(const SQLite::Statement& s);

// Typed parameter values: the params table's type tag and value column.
const char* ParamTypeTag(const ParamValue& v);
void BindParamValue(SQLite::Statement& s, int index, const ParamValue& v);
ParamValue ReadParamValue(const SQLite::Statement& s, int type_column, int value_column);

// Doubles that may be NaN: SQLite stores NaN as NULL, so NULL reads back as NaN.
double ReadDouble(const SQLite::Statement& s, int column);

// Binds an optional id (NULL when absent).
void BindOptionalId(SQLite::Statement& s, int index, const std::optional<std::int64_t>& id);

}  // namespace autotune::db_detail
