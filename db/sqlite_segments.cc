// SQLite Store: segments, metrics and crash recovery.
#include <cmath>
#include <unordered_map>
#include <utility>
#include <vector>

#include "db/detail/sqlite_store_impl.h"
#include "db/detail/store_rules.h"
#include "tuner/core/spec_json.h"

namespace autotune::db_detail {
namespace {

namespace ev = store_events;

constexpr const char* kRunningSegmentOfTrial =
    "SELECT id FROM segments WHERE trial_id = ? AND state = 'running' LIMIT 1";
constexpr const char* kEarlierAttempts =
    "SELECT COUNT(*) FROM segments WHERE trial_id = ? AND step_begin = ?";
constexpr const char* kInsertSegment =
    "INSERT INTO segments (trial_id, attempt, step_begin, step_end, params_json, resume_from, "
    "checkpoint_dir, state, started_at, source_trial_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)";
constexpr const char* kSourceOfCheckpoint =
    "SELECT COALESCE(origin_trial_id, trial_id) FROM checkpoints WHERE path = ? ORDER BY id DESC LIMIT 1";
constexpr const char* kMarkTrialRunning = "UPDATE trials SET state = 'running', updated_at = ? WHERE id = ?";
constexpr const char* kSegmentHead = "SELECT trial_id, state FROM segments WHERE id = ?";
constexpr const char* kUpsertMetric =
    "INSERT INTO metrics (segment_id, step, name, value) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (segment_id, step, name) DO UPDATE SET value = excluded.value";
constexpr const char* kEndSegment =
    "UPDATE segments SET state = ?, exit_code = ?, error = ?, log_tail = ?, finished_at = ? WHERE id = ?";
constexpr const char* kSegmentValue = "UPDATE segments SET has_value = 1, value = ? WHERE id = ?";
// ?2 = 1 when the outcome carries a value; an empty checkpoint or error keeps the old one.
constexpr const char* kApplyOutcome =
    "UPDATE trials SET state = ?1, has_value = MAX(has_value, ?2), "
    "value = CASE WHEN ?2 THEN ?3 ELSE value END, step = ?4, "
    "checkpoint = CASE WHEN ?5 = '' THEN checkpoint ELSE ?5 END, "
    "error = CASE WHEN ?6 = '' THEN error ELSE ?6 END, updated_at = ?7 WHERE id = ?8";
constexpr const char* kInsertCheckpoint =
    "INSERT INTO checkpoints (trial_id, segment_id, step, path) VALUES (?, ?, ?, ?)";
constexpr const char* kSegmentsOfTrial =
    "SELECT " AT_SEGMENT_COLUMNS " FROM segments WHERE trial_id = ? ORDER BY id";
constexpr const char* kSegmentSummariesOfStudy =
    "SELECT s.id, s.trial_id, s.step_begin, s.step_end, s.state, s.has_value, s.value FROM segments s "
    "JOIN trials t ON t.id = s.trial_id WHERE t.study_id = ? ORDER BY s.id";
constexpr const char* kMetricsOfTrial =
    "SELECT m.segment_id, m.step, m.name, m.value FROM metrics m JOIN segments s ON s.id = m.segment_id "
    "WHERE s.trial_id = ? ORDER BY m.step, m.segment_id, m.name";
constexpr const char* kRunningSegmentsOfStudy =
    "SELECT s.id, s.trial_id, t.number FROM segments s JOIN trials t ON t.id = s.trial_id "
    "WHERE t.study_id = ? AND s.state = 'running' ORDER BY s.id";
constexpr const char* kRunningTrialsOfStudy =
    "SELECT id, number FROM trials WHERE study_id = ? AND state = 'running' ORDER BY number";

Status SegmentNotFound(std::int64_t id) {
  return Status::NotFound("segment " + std::to_string(id) + " not found");
}
Status TrialNotFound(std::int64_t id) {
  return Status::NotFound("trial " + std::to_string(id) + " not found");
}

}  // namespace

void SqliteStore::UpsertPoint(std::int64_t segment_id, const MetricPoint& point) {
  auto q = stmts_.Get(kUpsertMetric);
  for (const auto& [name, value] : point.values) {
    q->bind(1, static_cast<int64_t>(segment_id));
    q->bind(2, static_cast<int64_t>(point.step));
    q->bind(3, name);
    q->bind(4, value);  // NaN is stored as NULL and read back as NaN
    q->exec();
    q->reset();
  }
}

StatusOr<SegmentRecord> SqliteStore::StartSegment(const SegmentRecord& segment) {
  return Guarded("StartSegment", [&]() -> StatusOr<SegmentRecord> {
    auto txn = Write();
    AT_ASSIGN_OR_RETURN(SegmentRecord out, InsertSegment(segment));
    txn.commit();
    return out;
  });
}

StatusOr<std::pair<TrialRecord, SegmentRecord>> SqliteStore::CreateRunningTrial(
    std::int64_t study_id, const Params& params, const SegmentRecord& segment) {
  return Guarded("CreateRunningTrial", [&]() -> StatusOr<std::pair<TrialRecord, SegmentRecord>> {
    auto txn = Write();  // rolls both back unless both happen
    AT_ASSIGN_OR_RETURN(TrialRecord trial, InsertTrial(study_id, params, std::nullopt, 0));
    SegmentRecord first = segment;
    first.trial_id = trial.id;
    first.params = params;
    AT_ASSIGN_OR_RETURN(SegmentRecord started, InsertSegment(first));
    txn.commit();
    trial.state = TrialState::kRunning;
    trial.updated_at = started.started_at;
    return std::make_pair(std::move(trial), std::move(started));
  });
}

StatusOr<SegmentRecord> SqliteStore::InsertSegment(const SegmentRecord& segment) {
  if (segment.step_begin < 0 || segment.step_end < segment.step_begin) {
    return Status::InvalidArgument("segment steps [" + std::to_string(segment.step_begin) + ", " +
                                       std::to_string(segment.step_end) + ") are not a valid range",
                                   "step_end");
  }
  const std::optional<TrialHead> head = FindTrialHead(segment.trial_id);
  if (!head) return TrialNotFound(segment.trial_id);
  if (IsFinished(head->state)) {
    return Status::FailedPrecondition("trial " + std::to_string(segment.trial_id) + " is " +
                                      ToString(head->state) + " and cannot run again");
  }
  {
    auto q = stmts_.Get(kRunningSegmentOfTrial);
    q->bind(1, static_cast<int64_t>(segment.trial_id));
    if (q->executeStep()) {
      return Status::FailedPrecondition("trial " + std::to_string(segment.trial_id) +
                                        " already has a running segment " +
                                        std::to_string(q->getColumn(0).getInt64()));
    }
  }
  SegmentRecord out = segment;
  out.state = SegmentState::kRunning;
  out.value.reset();
  out.exit_code = 0;
  out.error.clear();
  out.log_tail.clear();
  out.started_at = clock_();
  out.finished_at = 0;
  {
    auto q = stmts_.Get(kEarlierAttempts);
    q->bind(1, static_cast<int64_t>(segment.trial_id));
    q->bind(2, static_cast<int64_t>(segment.step_begin));
    q->executeStep();
    out.attempt = q->getColumn(0).getInt();
  }
  out.checkpoint_dir = SubstituteAttempt(out.checkpoint_dir, out.attempt);
  if (!out.resume_from.empty()) {
    auto q = stmts_.Get(kSourceOfCheckpoint);
    q->bind(1, out.resume_from);
    if (q->executeStep()) out.source_trial_id = q->getColumn(0).getInt64();
  }
  if (LoadParams(out.trial_id) != out.params) WriteParams(out.trial_id, out.params);
  {
    auto q = stmts_.Get(kInsertSegment);
    q->bind(1, static_cast<int64_t>(out.trial_id));
    q->bind(2, out.attempt);
    q->bind(3, static_cast<int64_t>(out.step_begin));
    q->bind(4, static_cast<int64_t>(out.step_end));
    q->bind(5, ParamsToJson(out.params));
    q->bind(6, out.resume_from);
    q->bind(7, out.checkpoint_dir);
    q->bind(8, out.started_at);
    BindOptionalId(*q, 9, out.source_trial_id);
    q->exec();
    out.id = db_->getLastInsertRowid();
  }
  {
    auto q = stmts_.Get(kMarkTrialRunning);
    q->bind(1, out.started_at);
    q->bind(2, static_cast<int64_t>(out.trial_id));
    q->exec();
  }
  LogEvent(head->study_id, out.trial_id,
           ev::SegmentStarted(head->number, out.id, out.step_begin, out.step_end, out.attempt),
           out.started_at);
  if (head->state != TrialState::kRunning) {
    LogEvent(head->study_id, out.trial_id, ev::TrialStateChanged(head->number, TrialState::kRunning, ""),
             out.started_at);
  }
  return out;
}

Status SqliteStore::AppendMetrics(std::int64_t segment_id, const MetricPoint& point) {
  return Guarded("AppendMetrics", [&]() -> Status {
    auto txn = Write();
    {
      auto q = stmts_.Get(kSegmentHead);
      q->bind(1, static_cast<int64_t>(segment_id));
      if (!q->executeStep()) return SegmentNotFound(segment_id);
      if (q->getColumn(1).getString() != "running") {
        return Status::FailedPrecondition("segment " + std::to_string(segment_id) + " is " +
                                          q->getColumn(1).getString() +
                                          "; metrics can only be appended to a running segment");
      }
    }
    UpsertPoint(segment_id, point);
    txn.commit();
    return Status::Ok();
  });
}

Status SqliteStore::AppendMetricsBatch(const std::vector<std::pair<std::int64_t, MetricPoint>>& points) {
  return Guarded("AppendMetricsBatch", [&]() -> Status {
    if (points.empty()) return Status::Ok();
    auto txn = Write();
    std::unordered_map<std::int64_t, bool> running;  // segment id -> still running
    for (const auto& [segment_id, point] : points) {
      auto known = running.find(segment_id);
      if (known == running.end()) {
        auto q = stmts_.Get(kSegmentHead);
        q->bind(1, static_cast<int64_t>(segment_id));
        if (!q->executeStep()) return SegmentNotFound(segment_id);
        known = running.emplace(segment_id, q->getColumn(1).getString() == "running").first;
      }
      if (known->second) UpsertPoint(segment_id, point);
    }
    txn.commit();
    return Status::Ok();
  });
}

Status SqliteStore::FinishSegment(std::int64_t segment_id, const SegmentOutcome& outcome) {
  return Guarded("FinishSegment", [&]() -> Status {
    if (outcome.state == SegmentState::kRunning) {
      return Status::InvalidArgument("a finished segment cannot be in state running", "state");
    }
    if (outcome.trial_state == TrialState::kRunning) {
      return Status::InvalidArgument("a trial is not running once its segment finished", "trial_state");
    }
    auto txn = Write();
    std::int64_t trial_id = 0;
    {
      auto q = stmts_.Get(kSegmentHead);
      q->bind(1, static_cast<int64_t>(segment_id));
      if (!q->executeStep()) return SegmentNotFound(segment_id);
      trial_id = q->getColumn(0).getInt64();
      if (q->getColumn(1).getString() != "running") {
        return Status::FailedPrecondition("segment " + std::to_string(segment_id) + " already finished (" +
                                          q->getColumn(1).getString() + ")");
      }
    }
    const std::optional<TrialHead> head = FindTrialHead(trial_id);
    if (!head) return TrialNotFound(trial_id);
    for (const MetricPoint& point : outcome.points) UpsertPoint(segment_id, point);
    const double now = clock_();
    {
      auto q = stmts_.Get(kEndSegment);
      q->bind(1, ToString(outcome.state));
      q->bind(2, outcome.exit_code);
      q->bind(3, outcome.error);
      q->bind(4, outcome.log_tail);
      q->bind(5, now);
      q->bind(6, static_cast<int64_t>(segment_id));
      q->exec();
    }
    if (outcome.segment_value) {
      auto q = stmts_.Get(kSegmentValue);
      q->bind(1, *outcome.segment_value);
      q->bind(2, static_cast<int64_t>(segment_id));
      q->exec();
    }
    {
      auto q = stmts_.Get(kApplyOutcome);
      q->bind(1, ToString(outcome.trial_state));
      q->bind(2, outcome.value ? 1 : 0);
      q->bind(3, outcome.value.value_or(0.0));
      q->bind(4, static_cast<int64_t>(outcome.trial_step));
      q->bind(5, outcome.checkpoint);
      q->bind(6, outcome.trial_error);
      q->bind(7, now);
      q->bind(8, static_cast<int64_t>(trial_id));
      q->exec();
    }
    SetNextStepEnd(trial_id, outcome.next_step_end);
    if (outcome.next_params) WriteParams(trial_id, *outcome.next_params);
    if (!outcome.checkpoint.empty()) {
      auto q = stmts_.Get(kInsertCheckpoint);
      q->bind(1, static_cast<int64_t>(trial_id));
      q->bind(2, static_cast<int64_t>(segment_id));
      q->bind(3, static_cast<int64_t>(outcome.trial_step));
      q->bind(4, outcome.checkpoint);
      q->exec();
    }
    if (outcome.exploit) {
      AT_RETURN_IF_ERROR(CheckExploit(*head, *outcome.exploit));
      ApplyExploit(trial_id, *head, *outcome.exploit, now);
    }
    LogEvent(head->study_id, trial_id,
             ev::SegmentFinished(head->number, segment_id, outcome.state, outcome.exit_code, outcome.error),
             now);
    if (outcome.trial_state != head->state) {
      LogEvent(head->study_id, trial_id,
               ev::TrialStateChanged(head->number, outcome.trial_state, outcome.trial_error), now);
    }
    txn.commit();
    return Status::Ok();
  });
}

StatusOr<std::vector<SegmentRecord>> SqliteStore::ListSegments(std::int64_t trial_id) {
  return Guarded("ListSegments", [&]() -> StatusOr<std::vector<SegmentRecord>> {
    auto txn = Read();
    if (!TrialExists(trial_id)) return TrialNotFound(trial_id);
    auto q = stmts_.Get(kSegmentsOfTrial);
    q->bind(1, static_cast<int64_t>(trial_id));
    std::vector<SegmentRecord> out;
    while (q->executeStep()) out.push_back(ReadSegment(*q));
    txn.commit();
    return out;
  });
}

StatusOr<std::vector<SegmentSummary>> SqliteStore::ListSegmentSummaries(std::int64_t study_id) {
  return Guarded("ListSegmentSummaries", [&]() -> StatusOr<std::vector<SegmentSummary>> {
    auto txn = Read();
    if (!StudyExists(study_id)) return Status::NotFound("study " + std::to_string(study_id) + " not found");
    auto q = stmts_.Get(kSegmentSummariesOfStudy);
    q->bind(1, static_cast<int64_t>(study_id));
    std::vector<SegmentSummary> out;
    while (q->executeStep()) out.push_back(ReadSegmentSummary(*q));
    txn.commit();
    return out;
  });
}

StatusOr<std::vector<MetricPoint>> SqliteStore::GetMetrics(std::int64_t trial_id) {
  return Guarded("GetMetrics", [&]() -> StatusOr<std::vector<MetricPoint>> {
    auto txn = Read();
    if (!TrialExists(trial_id)) return TrialNotFound(trial_id);
    auto q = stmts_.Get(kMetricsOfTrial);
    q->bind(1, static_cast<int64_t>(trial_id));
    std::vector<MetricPoint> out;
    std::int64_t last_segment = -1;
    while (q->executeStep()) {
      const std::int64_t segment = q->getColumn(0).getInt64();
      const std::int64_t step = q->getColumn(1).getInt64();
      // Rows come grouped by (step, segment); each group is one point.
      if (out.empty() || out.back().step != step || last_segment != segment) {
        out.push_back(MetricPoint{step, {}});
        last_segment = segment;
      }
      out.back().values[q->getColumn(2).getString()] = ReadDouble(*q, 3);
    }
    txn.commit();
    return out;
  });
}

StatusOr<int> SqliteStore::RecoverInterrupted(std::int64_t study_id) {
  return Guarded("RecoverInterrupted", [&]() -> StatusOr<int> {
    auto txn = Write();
    if (!StudyExists(study_id)) return Status::NotFound("study " + std::to_string(study_id) + " not found");
    const double now = clock_();
    struct Row {
      std::int64_t id = 0;
      std::int64_t trial_id = 0;
      int number = 0;
    };
    std::vector<Row> segments;
    std::vector<Row> trials;  // id = trial_id here
    {
      auto q = stmts_.Get(kRunningSegmentsOfStudy);
      q->bind(1, static_cast<int64_t>(study_id));
      while (q->executeStep()) {
        segments.push_back(
            {q->getColumn(0).getInt64(), q->getColumn(1).getInt64(), q->getColumn(2).getInt()});
      }
    }
    {
      auto q = stmts_.Get(kRunningTrialsOfStudy);
      q->bind(1, static_cast<int64_t>(study_id));
      while (q->executeStep()) {
        const std::int64_t id = q->getColumn(0).getInt64();
        trials.push_back({id, id, q->getColumn(1).getInt()});
      }
    }
    for (const Row& seg : segments) {
      auto q = stmts_.Get(kEndSegment);
      q->bind(1, ToString(SegmentState::kCancelled));
      q->bind(2, 0);
      q->bind(3, ev::kInterrupted);
      q->bind(4, "");
      q->bind(5, now);
      q->bind(6, static_cast<int64_t>(seg.id));
      q->exec();
      LogEvent(study_id, seg.trial_id,
               ev::SegmentFinished(seg.number, seg.id, SegmentState::kCancelled, 0, ev::kInterrupted), now);
    }
    // Nothing runs after a crash: every running trial goes back to pending.
    for (const Row& trial : trials) {
      SetTrialStateRow(trial.trial_id, TrialState::kPending, "", now);
      LogEvent(study_id, trial.trial_id, ev::TrialStateChanged(trial.number, TrialState::kPending, ""), now);
    }
    txn.commit();
    return static_cast<int>(segments.size());
  });
}

}  // namespace autotune::db_detail
