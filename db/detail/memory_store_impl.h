// The in-memory Store's class, shared by memory_store.cc (studies, trials,
// events, attributes, leases) and memory_segments.cc (segments, metrics,
// checkpoints, recovery). Records live in vectors indexed by id - 1 (ids
// start at 1 and are never reused, like SQLite's rowids). Every method checks
// all its preconditions before it changes anything, so a failed call changes
// nothing.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "db/detail/study_lease.h"
#include "db/events.h"
#include "db/store.h"

namespace autotune::db_detail {

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(std::function<double()> clock) : clock_(std::move(clock)) {}

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

 private:
  struct Segment {
    SegmentRecord record;
    std::map<std::int64_t, Metrics> metrics;  // by step; reports of one step merge
  };

  static Status StudyNotFound(std::int64_t id);
  static Status TrialNotFound(std::int64_t id);
  static Status SegmentNotFound(std::int64_t id);

  bool HasStudy(std::int64_t id) const { return id >= 1 && id <= static_cast<std::int64_t>(studies_.size()); }
  bool HasTrial(std::int64_t id) const { return id >= 1 && id <= static_cast<std::int64_t>(trials_.size()); }
  bool HasSegment(std::int64_t id) const {
    return id >= 1 && id <= static_cast<std::int64_t>(segments_.size());
  }

  // Helpers below run with mu_ held.
  void SetTrialStateLocked(TrialRecord& trial, TrialState state, const std::string& error, double now);
  // The bodies of CreateTrial and StartSegment.
  StatusOr<TrialRecord> CreateTrialLocked(std::int64_t study_id, const Params& params,
                                          std::optional<std::int64_t> parent_id, int generation);
  StatusOr<SegmentRecord> StartSegmentLocked(const SegmentRecord& segment);
  static Status BadRange(const SegmentRecord& segment);
  void AddEventLocked(std::int64_t study_id, std::optional<std::int64_t> trial_id,
                      const store_events::EventText& text, double now);
  Status CheckExploit(const TrialRecord& trial, const Exploit& exploit) const;
  void ApplyExploit(TrialRecord& trial, const Exploit& exploit, double now);
  void AddCheckpoint(CheckpointRecord c);
  // Merges a point into a segment's metrics (a name reported again at a step replaces its value).
  static void MergePoint(Segment& segment, const MetricPoint& point);

  std::mutex mu_;
  const std::function<double()> clock_;
  std::vector<StudyRecord> studies_;
  std::vector<std::vector<std::int64_t>> study_trials_;  // trial ids by study, in number order
  std::vector<std::map<std::string, std::string>> attributes_;  // by study
  std::vector<TrialRecord> trials_;
  std::vector<std::vector<std::int64_t>> trial_segments_;  // segment ids by trial, in id order
  std::vector<Segment> segments_;
  std::vector<CheckpointRecord> checkpoints_;
  std::vector<EventRecord> events_;
  LeaseRegistry leases_;
};

}  // namespace autotune::db_detail
