#include "db/detail/sqlite_rows.h"

#include <limits>
#include <string>

#include "tuner/core/spec_json.h"

namespace autotune::db_detail {
namespace {

template <typename E>
E ParseState(bool (*parse)(const std::string&, E*), const SQLite::Statement& s, int column,
             const char* table) {
  E out{};
  const std::string text = s.getColumn(column).getString();
  if (!parse(text, &out)) throw CorruptRow(std::string("unknown state '") + text + "' in table " + table);
  return out;
}

std::string Text(const SQLite::Statement& s, int column) { return s.getColumn(column).getString(); }

}  // namespace

double ReadDouble(const SQLite::Statement& s, int column) {
  const SQLite::Column c = s.getColumn(column);
  return c.isNull() ? std::numeric_limits<double>::quiet_NaN() : c.getDouble();
}

void BindOptionalId(SQLite::Statement& s, int index, const std::optional<std::int64_t>& id) {
  if (id) {
    s.bind(index, static_cast<int64_t>(*id));
  } else {
    s.bind(index);
  }
}

StudyRecord ReadStudy(const SQLite::Statement& s) {
  StudyRecord r;
  r.id = s.getColumn(0).getInt64();
  r.name = Text(s, 1);
  r.spec_json = Text(s, 2);
  r.state = ParseState(&ParseStudyState, s, 3, "studies");
  r.created_at = s.getColumn(4).getDouble();
  r.finished_at = s.getColumn(5).getDouble();
  return r;
}

TrialRecord ReadTrial(const SQLite::Statement& s) {
  TrialRecord r;
  r.id = s.getColumn(0).getInt64();
  r.study_id = s.getColumn(1).getInt64();
  r.number = s.getColumn(2).getInt();
  r.state = ParseState(&ParseTrialState, s, 3, "trials");
  if (s.getColumn(4).getInt() != 0) r.value = ReadDouble(s, 5);
  r.step = s.getColumn(6).getInt64();
  if (!s.getColumn(7).isNull()) r.parent_id = s.getColumn(7).getInt64();
  r.generation = s.getColumn(8).getInt();
  r.checkpoint = Text(s, 9);
  r.error = Text(s, 10);
  r.created_at = s.getColumn(11).getDouble();
  r.updated_at = s.getColumn(12).getDouble();
  r.next_step_end = s.getColumn(13).getInt64();
  return r;
}

SegmentRecord ReadSegment(const SQLite::Statement& s) {
  SegmentRecord r;
  r.id = s.getColumn(0).getInt64();
  r.trial_id = s.getColumn(1).getInt64();
  r.attempt = s.getColumn(2).getInt();
  r.step_begin = s.getColumn(3).getInt64();
  r.step_end = s.getColumn(4).getInt64();
  StatusOr<Params> params = ParamsFromJson(Text(s, 5));
  if (!params.ok()) {
    throw CorruptRow("segment " + std::to_string(r.id) +
                     " has unreadable params: " + params.status().ToString());
  }
  r.params = std::move(params).value();
  r.resume_from = Text(s, 6);
  r.checkpoint_dir = Text(s, 7);
  r.state = ParseState(&ParseSegmentState, s, 8, "segments");
  r.exit_code = s.getColumn(9).getInt();
  r.error = Text(s, 10);
  r.log_tail = Text(s, 11);
  r.started_at = s.getColumn(12).getDouble();
  r.finished_at = s.getColumn(13).getDouble();
  if (s.getColumn(14).getInt() != 0) r.value = ReadDouble(s, 15);
  if (!s.getColumn(16).isNull()) r.source_trial_id = s.getColumn(16).getInt64();
  return r;
}

SegmentSummary ReadSegmentSummary(const SQLite::Statement& s) {
  SegmentSummary r;
  r.id = s.getColumn(0).getInt64();
  r.trial_id = s.getColumn(1).getInt64();
  r.step_begin = s.getColumn(2).getInt64();
  r.step_end = s.getColumn(3).getInt64();
  r.state = ParseState(&ParseSegmentState, s, 4, "segments");
  if (s.getColumn(5).getInt() != 0) r.value = ReadDouble(s, 6);
  return r;
}

CheckpointRecord ReadCheckpoint(const SQLite::Statement& s) {
  CheckpointRecord r;
  r.id = s.getColumn(0).getInt64();
  r.trial_id = s.getColumn(1).getInt64();
  r.segment_id = s.getColumn(2).isNull() ? 0 : s.getColumn(2).getInt64();
  r.step = s.getColumn(3).getInt64();
  r.path = Text(s, 4);
  r.deleted = s.getColumn(5).getInt() != 0;
  if (!s.getColumn(6).isNull()) r.origin_trial_id = s.getColumn(6).getInt64();
  r.bytes = s.getColumn(7).getInt64();
  return r;
}

EventRecord ReadEvent(const SQLite::Statement& s) {
  EventRecord r;
  r.id = s.getColumn(0).getInt64();
  r.study_id = s.getColumn(1).getInt64();
  if (!s.getColumn(2).isNull()) r.trial_id = s.getColumn(2).getInt64();
  r.kind = Text(s, 3);
  r.detail = Text(s, 4);
  r.time = s.getColumn(5).getDouble();
  return r;
}

const char* ParamTypeTag(const ParamValue& v) {
  static constexpr const char* kTags[] = {"float", "int", "bool", "string"};
  return kTags[v.index()];
}

void BindParamValue(SQLite::Statement& s, int index, const ParamValue& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    s.bind(index, *d);
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    s.bind(index, static_cast<int64_t>(*i));
  } else if (const auto* b = std::get_if<bool>(&v)) {
    s.bind(index, static_cast<int64_t>(*b ? 1 : 0));
  } else {
    s.bind(index, std::get<std::string>(v));
  }
}

ParamValue ReadParamValue(const SQLite::Statement& s, int type_column, int value_column) {
  const std::string tag = Text(s, type_column);
  if (tag == "float") return ReadDouble(s, value_column);
  if (tag == "int") return std::int64_t{s.getColumn(value_column).getInt64()};
  if (tag == "bool") return s.getColumn(value_column).getInt64() != 0;
  if (tag == "string") return Text(s, value_column);
  throw CorruptRow("unknown parameter type '" + tag + "' in table params");
}

}  // namespace autotune::db_detail
