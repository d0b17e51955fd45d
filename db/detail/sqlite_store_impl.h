// The SQLite Store's class, shared by the .cc files that implement it
// (sqlite_store.cc: open, studies, attributes, leases, events;
// sqlite_trials.cc: trials and their queries; sqlite_segments.cc: segments,
// metrics, recovery; sqlite_checkpoints.cc: checkpoints).
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "db/detail/sqlite_rows.h"
#include "db/detail/sqlite_util.h"
#include "db/detail/study_lease.h"
#include "db/detail/txn_scope.h"
#include "db/events.h"
#include "db/store.h"
#include "db/store_options.h"

namespace autotune::db_detail {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SQLite::Database> db, std::string path, const StoreOptions& options);

  StatusOr<StudyRecord> CreateStudy(const std::string& name, const std::string& spec_json) override;
  StatusOr<std::optional<StudyRecord>> FindStudy(const std::string& name) override;
  StatusOr<StudyRecord> GetStudy(std::int64_t study_id) override;
  StatusOr<std::vector<StudyRecord>> ListStudies() override;
  Status SetStudyState(std::int64_t study_id, StudyState state) override;

  StatusOr<TrialRecord> CreateTrial(std::int64_t study_id, const Params& params,
                                    std::optional<std::int64_t> parent_id, int generation) override;
  StatusOr<TrialRecord> GetTrial(std::int64_t trial_id) override;
  StatusOr<std::vector<TrialRecord>> ListTrials(std::int64_t study_id) override;
  Status SetTrialState(std::int64_t trial_id, TrialState state, const std::string& error) override;
  Status UpdateTrial(std::int64_t trial_id, const TrialUpdate& update) override;
  StatusOr<std::array<int, 6>> CountTrials(std::int64_t study_id) override;
  StatusOr<std::optional<TrialRecord>> BestTrial(std::int64_t study_id, Mode mode) override;
  StatusOr<std::vector<TrialRecord>> ListTrialsPage(std::int64_t study_id, const TrialQuery& query) override;

  StatusOr<SegmentRecord> StartSegment(const SegmentRecord& segment) override;
  StatusOr<std::pair<TrialRecord, SegmentRecord>> CreateRunningTrial(std::int64_t study_id,
                                                                     const Params& params,
                                                                     const SegmentRecord& segment) override;
  Status AppendMetrics(std::int64_t segment_id, const MetricPoint& point) override;
  Status AppendMetricsBatch(const std::vector<std::pair<std::int64_t, MetricPoint>>& points) override;
  Status FinishSegment(std::int64_t segment_id, const SegmentOutcome& outcome) override;
  StatusOr<std::vector<SegmentRecord>> ListSegments(std::int64_t trial_id) override;
  StatusOr<std::vector<SegmentSummary>> ListSegmentSummaries(std::int64_t study_id) override;
  StatusOr<std::vector<MetricPoint>> GetMetrics(std::int64_t trial_id) override;

  StatusOr<std::vector<CheckpointRecord>> ListCheckpoints(std::int64_t trial_id) override;
  StatusOr<CheckpointRecord> RecordCheckpoint(const CheckpointRecord& checkpoint) override;
  Status MarkCheckpointDeleted(std::int64_t checkpoint_id) override;
  StatusOr<std::vector<CheckpointRecord>> ListLiveCheckpoints(std::int64_t study_id) override;

  StatusOr<int> RecoverInterrupted(std::int64_t study_id) override;

  StatusOr<std::vector<EventRecord>> ListEvents(std::int64_t study_id, std::int64_t after_id,
                                                int limit) override;
  Status AddEvent(std::int64_t study_id, std::optional<std::int64_t> trial_id, const std::string& kind,
                  const std::string& detail) override;
  Status SetStudyAttribute(std::int64_t study_id, const std::string& key, const std::string& value) override;
  StatusOr<std::map<std::string, std::string>> StudyAttributes(std::int64_t study_id) override;
  StatusOr<std::unique_ptr<StudyLease>> AcquireStudy(std::int64_t study_id, const std::string& owner) override;
  Status BeginGroup() override;
  Status EndGroup() override;

 private:
  // The bits of a trial that transitions need.
  struct TrialHead {
    std::int64_t study_id = 0;
    int number = 0;
    TrialState state = TrialState::kPending;
  };

  // The edge of every public method: takes the mutex, runs body and turns
  // any exception into a Status naming the method and the file. A body
  // returning early with an error leaves its TxnScope uncommitted, which
  // rolls it back; a body that finds the database busy or locked is run
  // again from the start, with backoff, for up to busy_retry_s.
  template <typename Body>
  auto Guarded(const char* op, Body&& body) -> decltype(body()) {
    std::lock_guard<std::recursive_mutex> lock(mu_);  // held across a group (BeginGroup)
    BusyBackoff backoff(busy_retry_s_);
    for (;;) {
      try {
        return body();
      } catch (const SQLite::Exception& e) {
        if (IsBusy(e) && backoff.Wait()) continue;
        return SqliteError(op, path_, e);
      } catch (const CorruptRow& e) {
        return Status::Internal("store " + path_ + ": " + op + ": the file holds data autotune " +
                                "did not write (" + e.what() + "); restore it from a backup");
      } catch (const std::exception& e) {
        return Status::Internal("store " + path_ + ": " + op + ": " + e.what());
      }
    }
  }

  // Helpers below run with mu_ held, inside the caller's transaction.
  TxnScope Write() { return TxnScope(stmts_, TxnScope::Kind::kWrite, group_.owns_lock()); }
  TxnScope Read() { return TxnScope(stmts_, TxnScope::Kind::kRead, group_.owns_lock()); }
  bool StudyExists(std::int64_t study_id);
  bool TrialExists(std::int64_t trial_id);
  std::optional<TrialHead> FindTrialHead(std::int64_t trial_id);
  // The bodies of CreateTrial and StartSegment.
  StatusOr<TrialRecord> InsertTrial(std::int64_t study_id, const Params& params,
                                    std::optional<std::int64_t> parent_id, int generation);
  StatusOr<SegmentRecord> InsertSegment(const SegmentRecord& segment);
  Params LoadParams(std::int64_t trial_id);
  void WriteParams(std::int64_t trial_id, const Params& params);
  // Applies an exploit to a trial row (params, lineage, step, checkpoint).
  void ApplyExploit(std::int64_t trial_id, const TrialHead& head, const Exploit& exploit, double now);
  void SetNextStepEnd(std::int64_t trial_id, std::int64_t next_step_end);
  // Merges a point into a segment's metrics (a name reported again at a step replaces its value).
  void UpsertPoint(std::int64_t segment_id, const MetricPoint& point);
  Status CheckExploit(const TrialHead& head, const Exploit& exploit);
  void SetTrialStateRow(std::int64_t trial_id, TrialState state, const std::string& error, double now);
  void LogEvent(std::int64_t study_id, std::optional<std::int64_t> trial_id,
                const store_events::EventText& event, double now);
  std::string AttributeLocked(std::int64_t study_id, const std::string& key);

  std::recursive_mutex mu_;
  std::unique_lock<std::recursive_mutex> group_;  // holds mu_ from BeginGroup to EndGroup
  const std::string path_;
  const std::function<double()> clock_;
  const double busy_retry_s_;
  LeaseRegistry leases_;  // studies leased by this store (for ":memory:" files)
  std::unique_ptr<SQLite::Database> db_;
  StatementCache stmts_;  // declared after db_: destroyed before it
};

}  // namespace autotune::db_detail
