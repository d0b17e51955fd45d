// In-memory Store. Records live in vectors indexed by id - 1 (ids start at 1
// and are never reused, like SQLite's rowids). Every method checks all its
// preconditions before it changes anything, so a failed call changes nothing.
#include "db/memory_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "db/events.h"

namespace autotune {
namespace {

namespace ev = store_events;

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(std::function<double()> clock) : clock_(std::move(clock)) {}

  StatusOr<StudyRecord> CreateStudy(const std::string& name, const std::string& spec_json) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (name.empty()) return Status::InvalidArgument("a study needs a non-empty name", "name");
    for (const StudyRecord& s : studies_) {
      if (s.name == name) {
        return Status::AlreadyExists("a study named '" + name + "' already exists (id " +
                                     std::to_string(s.id) + "); choose another name or resume that study");
      }
    }
    StudyRecord study;
    study.id = static_cast<std::int64_t>(studies_.size()) + 1;
    study.name = name;
    study.spec_json = spec_json;
    study.created_at = clock_();
    studies_.push_back(study);
    study_trials_.emplace_back();
    AddEvent(study.id, std::nullopt, ev::StudyCreated(name), study.created_at);
    return study;
  }

  StatusOr<std::optional<StudyRecord>> FindStudy(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const StudyRecord& s : studies_) {
      if (s.name == name) return std::optional<StudyRecord>(s);
    }
    return std::optional<StudyRecord>();
  }

  StatusOr<StudyRecord> GetStudy(std::int64_t study_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasStudy(study_id)) return StudyNotFound(study_id);
    return studies_[study_id - 1];
  }

  StatusOr<std::vector<StudyRecord>> ListStudies() override {
    std::lock_guard<std::mutex> lock(mu_);
    return studies_;
  }

  Status SetStudyState(std::int64_t study_id, StudyState state) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasStudy(study_id)) return StudyNotFound(study_id);
    StudyRecord& study = studies_[study_id - 1];
    const double now = clock_();
    study.state = state;
    study.finished_at = state == StudyState::kRunning ? 0.0 : now;
    AddEvent(study_id, std::nullopt, ev::StudyStateChanged(study.name, state), now);
    return Status::Ok();
  }

  StatusOr<TrialRecord> CreateTrial(std::int64_t study_id, const Params& params,
                                    std::optional<std::int64_t> parent_id, int generation) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasStudy(study_id)) return StudyNotFound(study_id);
    if (parent_id && !HasTrial(*parent_id)) {
      return Status::NotFound("parent trial " + std::to_string(*parent_id) + " not found");
    }
    TrialRecord trial;
    trial.id = static_cast<std::int64_t>(trials_.size()) + 1;
    trial.study_id = study_id;
    trial.number = static_cast<int>(study_trials_[study_id - 1].size());
    trial.params = params;
    trial.parent_id = parent_id;
    trial.generation = generation;
    trial.created_at = trial.updated_at = clock_();
    trials_.push_back(trial);
    trial_segments_.emplace_back();
    study_trials_[study_id - 1].push_back(trial.id);
    AddEvent(study_id, trial.id, ev::TrialCreated(trial.number, params), trial.created_at);
    return trial;
  }

  StatusOr<TrialRecord> GetTrial(std::int64_t trial_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
    return trials_[trial_id - 1];
  }

  StatusOr<std::vector<TrialRecord>> ListTrials(std::int64_t study_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasStudy(study_id)) return StudyNotFound(study_id);
    std::vector<TrialRecord> out;
    for (std::int64_t id : study_trials_[study_id - 1]) out.push_back(trials_[id - 1]);
    return out;
  }

  Status SetTrialState(std::int64_t trial_id, TrialState state, const std::string& error) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
    SetTrialStateLocked(trials_[trial_id - 1], state, error, clock_());
    return Status::Ok();
  }

  StatusOr<SegmentRecord> StartSegment(const SegmentRecord& segment) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (segment.step_begin < 0 || segment.step_end < segment.step_begin) {
      return Status::InvalidArgument("segment steps [" + std::to_string(segment.step_begin) + ", " +
                                         std::to_string(segment.step_end) + ") are not a valid range",
                                     "step_end");
    }
    if (!HasTrial(segment.trial_id)) return TrialNotFound(segment.trial_id);
    TrialRecord& trial = trials_[segment.trial_id - 1];
    if (IsFinished(trial.state)) {
      return Status::FailedPrecondition("trial " + std::to_string(trial.id) + " is " + ToString(trial.state) +
                                        " and cannot run again");
    }
    int attempt = 0;
    for (std::int64_t id : trial_segments_[trial.id - 1]) {
      const SegmentRecord& s = segments_[id - 1].record;
      if (s.state == SegmentState::kRunning) {
        return Status::FailedPrecondition("trial " + std::to_string(trial.id) +
                                          " already has a running segment " + std::to_string(s.id));
      }
      if (s.step_begin == segment.step_begin) ++attempt;
    }
    SegmentRecord out = segment;
    out.id = static_cast<std::int64_t>(segments_.size()) + 1;
    out.attempt = attempt;
    out.state = SegmentState::kRunning;
    out.exit_code = 0;
    out.error.clear();
    out.log_tail.clear();
    out.started_at = clock_();
    out.finished_at = 0;
    segments_.push_back({out, {}});
    trial_segments_[trial.id - 1].push_back(out.id);
    AddEvent(trial.study_id, trial.id,
             ev::SegmentStarted(trial.number, out.id, out.step_begin, out.step_end, out.attempt),
             out.started_at);
    if (trial.state != TrialState::kRunning) {
      trial.state = TrialState::kRunning;
      AddEvent(trial.study_id, trial.id, ev::TrialStateChanged(trial.number, TrialState::kRunning, ""),
               out.started_at);
    }
    trial.updated_at = out.started_at;
    return out;
  }

  Status AppendMetrics(std::int64_t segment_id, const MetricPoint& point) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasSegment(segment_id)) return SegmentNotFound(segment_id);
    Segment& segment = segments_[segment_id - 1];
    if (segment.record.state != SegmentState::kRunning) {
      return Status::FailedPrecondition("segment " + std::to_string(segment_id) + " is " +
                                        ToString(segment.record.state) +
                                        "; metrics can only be appended to a running segment");
    }
    if (point.values.empty()) return Status::Ok();
    Metrics& values = segment.metrics[point.step];
    for (const auto& [name, value] : point.values) values[name] = value;
    return Status::Ok();
  }

  Status FinishSegment(std::int64_t segment_id, const SegmentOutcome& outcome) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (outcome.state == SegmentState::kRunning) {
      return Status::InvalidArgument("a finished segment cannot be in state running", "state");
    }
    if (!HasSegment(segment_id)) return SegmentNotFound(segment_id);
    SegmentRecord& segment = segments_[segment_id - 1].record;
    if (segment.state != SegmentState::kRunning) {
      return Status::FailedPrecondition("segment " + std::to_string(segment_id) + " already finished (" +
                                        ToString(segment.state) + ")");
    }
    TrialRecord& trial = trials_[segment.trial_id - 1];
    const double now = clock_();
    segment.state = outcome.state;
    segment.exit_code = outcome.exit_code;
    segment.error = outcome.error;
    segment.log_tail = outcome.log_tail;
    segment.finished_at = now;
    const TrialState before = trial.state;
    trial.state = outcome.trial_state;
    if (outcome.value) trial.value = outcome.value;
    trial.step = outcome.trial_step;
    if (!outcome.checkpoint.empty()) {
      trial.checkpoint = outcome.checkpoint;
      CheckpointRecord c;
      c.id = static_cast<std::int64_t>(checkpoints_.size()) + 1;
      c.trial_id = trial.id;
      c.segment_id = segment_id;
      c.step = outcome.trial_step;
      c.path = outcome.checkpoint;
      checkpoints_.push_back(c);
    }
    if (!outcome.trial_error.empty()) trial.error = outcome.trial_error;
    trial.updated_at = now;
    AddEvent(trial.study_id, trial.id,
             ev::SegmentFinished(trial.number, segment_id, outcome.state, outcome.exit_code, outcome.error),
             now);
    if (trial.state != before) {
      AddEvent(trial.study_id, trial.id,
               ev::TrialStateChanged(trial.number, trial.state, outcome.trial_error), now);
    }
    return Status::Ok();
  }

  StatusOr<std::vector<SegmentRecord>> ListSegments(std::int64_t trial_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
    std::vector<SegmentRecord> out;
    for (std::int64_t id : trial_segments_[trial_id - 1]) out.push_back(segments_[id - 1].record);
    return out;
  }

  StatusOr<std::vector<MetricPoint>> GetMetrics(std::int64_t trial_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
    // Ordered by step, then segment id (as the SQLite store's ORDER BY).
    std::map<std::pair<std::int64_t, std::int64_t>, const Metrics*> points;
    for (std::int64_t id : trial_segments_[trial_id - 1]) {
      for (const auto& [step, values] : segments_[id - 1].metrics) points[{step, id}] = &values;
    }
    std::vector<MetricPoint> out;
    for (const auto& [key, values] : points) out.push_back(MetricPoint{key.first, *values});
    return out;
  }

  StatusOr<std::vector<CheckpointRecord>> ListCheckpoints(std::int64_t trial_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasTrial(trial_id)) return TrialNotFound(trial_id);
    std::vector<CheckpointRecord> out;
    for (const CheckpointRecord& c : checkpoints_) {
      if (c.trial_id == trial_id) out.push_back(c);
    }
    return out;
  }

  Status MarkCheckpointDeleted(std::int64_t checkpoint_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (checkpoint_id < 1 || checkpoint_id > static_cast<std::int64_t>(checkpoints_.size())) {
      return Status::NotFound("checkpoint " + std::to_string(checkpoint_id) + " not found");
    }
    checkpoints_[checkpoint_id - 1].deleted = true;
    return Status::Ok();
  }

  StatusOr<int> RecoverInterrupted(std::int64_t study_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasStudy(study_id)) return StudyNotFound(study_id);
    const double now = clock_();
    int cancelled = 0;
    for (Segment& s : segments_) {  // by id, as the SQLite store
      SegmentRecord& seg = s.record;
      const TrialRecord& trial = trials_[seg.trial_id - 1];
      if (trial.study_id != study_id || seg.state != SegmentState::kRunning) continue;
      seg.state = SegmentState::kCancelled;
      seg.exit_code = 0;
      seg.error = ev::kInterrupted;
      seg.log_tail.clear();
      seg.finished_at = now;
      ++cancelled;
      AddEvent(study_id, trial.id,
               ev::SegmentFinished(trial.number, seg.id, SegmentState::kCancelled, 0, ev::kInterrupted), now);
    }
    // Nothing runs after a crash: every running trial goes back to pending.
    for (std::int64_t id : study_trials_[study_id - 1]) {
      if (trials_[id - 1].state == TrialState::kRunning) {
        SetTrialStateLocked(trials_[id - 1], TrialState::kPending, "", now);
      }
    }
    return cancelled;
  }

  StatusOr<std::vector<EventRecord>> ListEvents(std::int64_t study_id, std::int64_t after_id,
                                                int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (limit <= 0) return Status::InvalidArgument("limit must be positive", "limit");
    if (!HasStudy(study_id)) return StudyNotFound(study_id);
    std::vector<EventRecord> out;
    // Event ids are positions + 1, so start right after after_id.
    const std::int64_t n = static_cast<std::int64_t>(events_.size());
    for (std::int64_t i = std::max<std::int64_t>(after_id, 0); i < n; ++i) {
      if (events_[i].study_id != study_id) continue;
      out.push_back(events_[i]);
      if (static_cast<int>(out.size()) == limit) break;
    }
    return out;
  }

 private:
  struct Segment {
    SegmentRecord record;
    std::map<std::int64_t, Metrics> metrics;  // by step; reports of one step merge
  };

  static Status StudyNotFound(std::int64_t id) {
    return Status::NotFound("study " + std::to_string(id) + " not found");
  }
  static Status TrialNotFound(std::int64_t id) {
    return Status::NotFound("trial " + std::to_string(id) + " not found");
  }
  static Status SegmentNotFound(std::int64_t id) {
    return Status::NotFound("segment " + std::to_string(id) + " not found");
  }

  bool HasStudy(std::int64_t id) const { return id >= 1 && id <= static_cast<std::int64_t>(studies_.size()); }
  bool HasTrial(std::int64_t id) const { return id >= 1 && id <= static_cast<std::int64_t>(trials_.size()); }
  bool HasSegment(std::int64_t id) const {
    return id >= 1 && id <= static_cast<std::int64_t>(segments_.size());
  }

  void SetTrialStateLocked(TrialRecord& trial, TrialState state, const std::string& error, double now) {
    trial.state = state;
    if (!error.empty()) trial.error = error;
    trial.updated_at = now;
    AddEvent(trial.study_id, trial.id, ev::TrialStateChanged(trial.number, state, error), now);
  }

  void AddEvent(std::int64_t study_id, std::optional<std::int64_t> trial_id, const ev::EventText& text,
                double now) {
    EventRecord e;
    e.id = static_cast<std::int64_t>(events_.size()) + 1;
    e.study_id = study_id;
    e.trial_id = trial_id;
    e.kind = text.kind;
    e.detail = text.detail;
    e.time = now;
    events_.push_back(std::move(e));
  }

  std::mutex mu_;
  const std::function<double()> clock_;
  std::vector<StudyRecord> studies_;
  std::vector<std::vector<std::int64_t>> study_trials_;  // trial ids by study, in number order
  std::vector<TrialRecord> trials_;
  std::vector<std::vector<std::int64_t>> trial_segments_;  // segment ids by trial, in id order
  std::vector<Segment> segments_;
  std::vector<CheckpointRecord> checkpoints_;
  std::vector<EventRecord> events_;
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore(const StoreOptions& options) {
  return std::make_unique<MemoryStore>(options.clock ? options.clock : &SystemClockSeconds);
}

std::unique_ptr<Store> NewMemoryStore() { return NewMemoryStore(StoreOptions{}); }

}  // namespace autotune
