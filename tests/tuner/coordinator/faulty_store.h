// A Store that forwards to another and can be told to fail chosen calls, for
// tests of how the engine survives store faults.
#pragma once

#include <functional>
#include <string>

#include "db/store.h"

namespace autotune::testing {

class FaultyStore : public Store {
 public:
  explicit FaultyStore(Store& inner) : inner_(inner) {}
  // Called with the method's name before each write; a non-OK result is
  // returned instead of calling the store.
  std::function<Status(const std::string& op)> fault;

#define AT_FORWARD(op, call)                      \
  if (fault) {                                    \
    Status at_fault = fault(op);                  \
    if (!at_fault.ok()) return at_fault;          \
  }                                               \
  return inner_.call

  StatusOr<StudyRecord> CreateStudy(const std::string& n, const std::string& j) override {
    AT_FORWARD("CreateStudy", CreateStudy(n, j));
  }
  StatusOr<std::optional<StudyRecord>> FindStudy(const std::string& n) override { return inner_.FindStudy(n); }
  StatusOr<StudyRecord> GetStudy(std::int64_t id) override { return inner_.GetStudy(id); }
  StatusOr<std::vector<StudyRecord>> ListStudies() override { return inner_.ListStudies(); }
  Status SetStudyState(std::int64_t id, StudyState s) override { AT_FORWARD("SetStudyState", SetStudyState(id, s)); }
  StatusOr<TrialRecord> CreateTrial(std::int64_t id, const Params& p, std::optional<std::int64_t> parent,
                                    int g) override {
    AT_FORWARD("CreateTrial", CreateTrial(id, p, parent, g));
  }
  StatusOr<TrialRecord> GetTrial(std::int64_t id) override { return inner_.GetTrial(id); }
  StatusOr<std::vector<TrialRecord>> ListTrials(std::int64_t id) override { return inner_.ListTrials(id); }
  Status SetTrialState(std::int64_t id, TrialState s, const std::string& e) override {
    AT_FORWARD("SetTrialState", SetTrialState(id, s, e));
  }
  Status UpdateTrial(std::int64_t id, const TrialUpdate& u) override { AT_FORWARD("UpdateTrial", UpdateTrial(id, u)); }
  StatusOr<std::array<int, 6>> CountTrials(std::int64_t id) override { return inner_.CountTrials(id); }
  StatusOr<std::optional<TrialRecord>> BestTrial(std::int64_t id, Mode m) override { return inner_.BestTrial(id, m); }
  StatusOr<std::vector<TrialRecord>> ListTrialsPage(std::int64_t id, const TrialQuery& q) override {
    return inner_.ListTrialsPage(id, q);
  }
  StatusOr<SegmentRecord> StartSegment(const SegmentRecord& s) override { AT_FORWARD("StartSegment", StartSegment(s)); }
  Status AppendMetrics(std::int64_t id, const MetricPoint& p) override { AT_FORWARD("AppendMetrics", AppendMetrics(id, p)); }
  Status AppendMetricsBatch(const std::vector<std::pair<std::int64_t, MetricPoint>>& b) override {
    AT_FORWARD("AppendMetricsBatch", AppendMetricsBatch(b));
  }
  StatusOr<std::pair<TrialRecord, SegmentRecord>> CreateRunningTrial(std::int64_t id, const Params& p,
                                                                     const SegmentRecord& s) override {
    AT_FORWARD("CreateRunningTrial", CreateRunningTrial(id, p, s));
  }

  Status FinishSegment(std::int64_t id, const SegmentOutcome& o) override {
    AT_FORWARD("FinishSegment", FinishSegment(id, o));
  }
  StatusOr<std::vector<SegmentRecord>> ListSegments(std::int64_t id) override { return inner_.ListSegments(id); }
  StatusOr<std::vector<SegmentSummary>> ListSegmentSummaries(std::int64_t id) override {
    return inner_.ListSegmentSummaries(id);
  }
  StatusOr<std::vector<MetricPoint>> GetMetrics(std::int64_t id) override { return inner_.GetMetrics(id); }
  StatusOr<std::vector<CheckpointRecord>> ListCheckpoints(std::int64_t id) override {
    return inner_.ListCheckpoints(id);
  }
  StatusOr<CheckpointRecord> RecordCheckpoint(const CheckpointRecord& c) override {
    AT_FORWARD("RecordCheckpoint", RecordCheckpoint(c));
  }
  Status MarkCheckpointDeleted(std::int64_t id) override { AT_FORWARD("MarkCheckpointDeleted", MarkCheckpointDeleted(id)); }
  StatusOr<std::vector<CheckpointRecord>> ListLiveCheckpoints(std::int64_t id) override {
    return inner_.ListLiveCheckpoints(id);
  }
  StatusOr<int> RecoverInterrupted(std::int64_t id) override { AT_FORWARD("RecoverInterrupted", RecoverInterrupted(id)); }
  StatusOr<std::vector<EventRecord>> ListEvents(std::int64_t id, std::int64_t after, int limit) override {
    return inner_.ListEvents(id, after, limit);
  }
  Status AddEvent(std::int64_t id, std::optional<std::int64_t> t, const std::string& k, const std::string& d) override {
    AT_FORWARD("AddEvent", AddEvent(id, t, k, d));
  }
  Status SetStudyAttribute(std::int64_t id, const std::string& k, const std::string& v) override {
    AT_FORWARD("SetStudyAttribute", SetStudyAttribute(id, k, v));
  }
  StatusOr<std::map<std::string, std::string>> StudyAttributes(std::int64_t id) override {
    return inner_.StudyAttributes(id);
  }
  StatusOr<std::unique_ptr<StudyLease>> AcquireStudy(std::int64_t id, const std::string& owner) override {
    return inner_.AcquireStudy(id, owner);
  }
  Status BeginGroup() override { return inner_.BeginGroup(); }
  Status EndGroup() override { return inner_.EndGroup(); }
#undef AT_FORWARD

 private:
  Store& inner_;
};

}  // namespace autotune::testing
