// Store contract, part 2: segments, metrics, checkpoints and crash recovery.
// Every test runs against each Store implementation (store_test_util.h).
#include <cmath>
#include <limits>
#include <vector>

#include "tests/db/store_test_util.h"

namespace autotune::db_testing {
namespace {

template <typename Factory>
class SegmentContractTest : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(SegmentContractTest, StoreTypes, StoreTypeNames);

std::vector<std::string> Kinds(const std::vector<EventRecord>& events) {
  std::vector<std::string> kinds;
  for (const EventRecord& e : events) kinds.push_back(e.kind);
  return kinds;
}

TYPED_TEST(SegmentContractTest, StartSegmentMarksTrialRunningAndFillsIdAttemptAndTime) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  this->now_ = 1010;
  SegmentRecord in;
  in.trial_id = t.id;
  in.step_begin = 0;
  in.step_end = 10;
  in.params = {{"lr", 0.01}, {"opt", std::string("adam")}, {"depth", std::int64_t{3}}};
  in.resume_from = "/ckpt/parent";
  in.checkpoint_dir = "/ckpt/t/0";
  in.attempt = 7;      // ignored: the store counts attempts
  in.error = "stale";  // ignored: a new segment has no error
  AT_ASSERT_OK_AND_ASSIGN(SegmentRecord out, this->store_->StartSegment(in));
  EXPECT_GT(out.id, 0);
  EXPECT_EQ(out.attempt, 0);
  EXPECT_EQ(out.state, SegmentState::kRunning);
  EXPECT_EQ(out.started_at, 1010);
  EXPECT_EQ(out.error, "");
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord trial, this->store_->GetTrial(t.id));
  EXPECT_EQ(trial.state, TrialState::kRunning);
  EXPECT_EQ(trial.updated_at, 1010);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<SegmentRecord> listed, this->store_->ListSegments(t.id));
  ASSERT_EQ(listed.size(), 1u);
  const SegmentRecord& got = listed[0];
  EXPECT_EQ(got.id, out.id);
  EXPECT_EQ(got.trial_id, t.id);
  EXPECT_EQ(got.step_begin, 0);
  EXPECT_EQ(got.step_end, 10);
  EXPECT_EQ(got.params, in.params);
  EXPECT_EQ(got.resume_from, "/ckpt/parent");
  EXPECT_EQ(got.checkpoint_dir, "/ckpt/t/0");
  EXPECT_EQ(got.state, SegmentState::kRunning);
  EXPECT_EQ(got.started_at, 1010);
  EXPECT_EQ(got.finished_at, 0);
}

TYPED_TEST(SegmentContractTest, CreateRunningTrialCreatesAndStartsOneTrialAtOnceOrNothing) {
  const StudyRecord s = this->NewStudy();
  this->NewTrial(s.id);  // number 0
  this->now_ = 1020;
  SegmentRecord first;
  first.step_begin = 0;
  first.step_end = 1;
  first.trial_id = 999;  // ignored: the new trial's
  const Params params = {{"x", 0.25}, {"opt", std::string("sgd")}};
  AT_ASSERT_OK_AND_ASSIGN(auto created, this->store_->CreateRunningTrial(s.id, params, first));
  const auto& [trial, segment] = created;
  EXPECT_EQ(trial.number, 1);
  EXPECT_EQ(trial.state, TrialState::kRunning);
  EXPECT_EQ(trial.params, params);
  EXPECT_EQ(segment.trial_id, trial.id);
  EXPECT_EQ(segment.state, SegmentState::kRunning);
  EXPECT_EQ(segment.params, params);
  EXPECT_EQ(segment.started_at, 1020);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord stored, this->store_->GetTrial(trial.id));
  EXPECT_EQ(stored.state, TrialState::kRunning);
  EXPECT_EQ(stored.params, params);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<SegmentRecord> segments, this->store_->ListSegments(trial.id));
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].id, segment.id);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> events, this->store_->ListEvents(s.id, 0, 100));
  std::vector<std::string> kinds = Kinds(events);
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(kinds.end() - 3, kinds.end()),
            (std::vector<std::string>{"trial.created", "segment.started", "trial.running"}));
  // Refused: nothing is written.
  SegmentRecord bad = first;
  bad.step_end = -1;
  EXPECT_EQ(this->store_->CreateRunningTrial(s.id, params, bad).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(this->store_->CreateRunningTrial(s.id + 100, params, first).status().code(),
            Status::Code::kNotFound);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<TrialRecord> trials, this->store_->ListTrials(s.id));
  EXPECT_EQ(trials.size(), 2u);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> after, this->store_->ListEvents(s.id, 0, 100));
  EXPECT_EQ(after.size(), events.size());
}

TYPED_TEST(SegmentContractTest, AttemptCountsEarlierSegmentsWithTheSameStepBegin) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  SegmentOutcome failed;
  failed.state = SegmentState::kFailed;
  failed.exit_code = 1;
  failed.trial_state = TrialState::kPending;
  std::vector<int> attempts;
  for (int i = 0; i < 3; ++i) {
    const SegmentRecord seg = this->Start(t.id, 0, 10);
    attempts.push_back(seg.attempt);
    AT_ASSERT_OK(this->store_->FinishSegment(seg.id, failed));
  }
  const SegmentRecord next = this->Start(t.id, 10, 20);
  EXPECT_EQ(attempts, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(next.attempt, 0);
  const TrialRecord other = this->NewTrial(s.id);
  EXPECT_EQ(this->Start(other.id, 0, 10).attempt, 0);  // counted per trial
}

TYPED_TEST(SegmentContractTest, StartSegmentRefusesBadRangesFinishedTrialsAndASecondRunningSegment) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  SegmentRecord bad;
  bad.trial_id = t.id;
  bad.step_begin = 5;
  bad.step_end = 4;
  EXPECT_EQ(this->store_->StartSegment(bad).status().code(), Status::Code::kInvalidArgument);
  const SegmentRecord running = this->Start(t.id, 0, 10);
  SegmentRecord second;
  second.trial_id = t.id;
  second.step_end = 10;
  EXPECT_EQ(this->store_->StartSegment(second).status().code(), Status::Code::kFailedPrecondition);
  AT_ASSERT_OK(this->store_->FinishSegment(running.id, this->Completed(10, 0.5)));
  StatusOr<SegmentRecord> again = this->store_->StartSegment(second);
  EXPECT_EQ(again.status().code(), Status::Code::kFailedPrecondition);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<SegmentRecord> segments, this->store_->ListSegments(t.id));
  EXPECT_EQ(segments.size(), 1u);
}

TYPED_TEST(SegmentContractTest, GetMetricsOrdersStepsAcrossSegments) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  const SegmentRecord first = this->Start(t.id, 0, 3);
  for (int step : {1, 2, 3}) {
    AT_ASSERT_OK(this->store_->AppendMetrics(first.id, MetricPoint{step, {{"loss", 10.0 - step}}}));
  }
  SegmentOutcome paused = this->Completed(3, 7.0, "/ckpt/3");
  paused.trial_state = TrialState::kPaused;
  AT_ASSERT_OK(this->store_->FinishSegment(first.id, paused));
  const SegmentRecord second = this->Start(t.id, 3, 6);
  for (int step : {6, 4, 5}) {  // reported out of order
    AT_ASSERT_OK(this->store_->AppendMetrics(second.id, MetricPoint{step, {{"loss", 10.0 - step}}}));
  }
  AT_ASSERT_OK_AND_ASSIGN(std::vector<MetricPoint> metrics, this->store_->GetMetrics(t.id));
  ASSERT_EQ(metrics.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(metrics[i].step, i + 1);
    EXPECT_EQ(metrics[i].values, (Metrics{{"loss", 10.0 - (i + 1)}}));
  }
}

TYPED_TEST(SegmentContractTest, ReportsOfOneStepMergeAndRetriedStepsStayApartInSegmentOrder) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  const SegmentRecord first = this->Start(t.id, 0, 2);
  AT_ASSERT_OK(this->store_->AppendMetrics(first.id, MetricPoint{1, {{"loss", 3.0}, {"acc", 0.1}}}));
  AT_ASSERT_OK(this->store_->AppendMetrics(first.id, MetricPoint{1, {{"acc", 0.2}, {"lr", 0.5}}}));
  AT_ASSERT_OK(this->store_->AppendMetrics(first.id, MetricPoint{2, {}}));  // records nothing
  SegmentOutcome failed;
  failed.state = SegmentState::kFailed;
  failed.trial_state = TrialState::kPending;
  AT_ASSERT_OK(this->store_->FinishSegment(first.id, failed));
  const SegmentRecord retry = this->Start(t.id, 0, 2);
  AT_ASSERT_OK(this->store_->AppendMetrics(retry.id, MetricPoint{1, {{"loss", 2.5}}}));
  AT_ASSERT_OK_AND_ASSIGN(std::vector<MetricPoint> metrics, this->store_->GetMetrics(t.id));
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_EQ(metrics[0].step, 1);
  EXPECT_EQ(metrics[0].values, (Metrics{{"loss", 3.0}, {"acc", 0.2}, {"lr", 0.5}}));
  EXPECT_EQ(metrics[1].step, 1);
  EXPECT_EQ(metrics[1].values, (Metrics{{"loss", 2.5}}));
}

TYPED_TEST(SegmentContractTest, NanMetricAndNanValueRoundTrip) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  const SegmentRecord seg = this->Start(t.id, 0, 1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  AT_ASSERT_OK(this->store_->AppendMetrics(seg.id, MetricPoint{0, {{"loss", nan}, {"tiny", 1e-300}}}));
  AT_ASSERT_OK(this->store_->FinishSegment(seg.id, this->Completed(1, nan)));
  AT_ASSERT_OK_AND_ASSIGN(std::vector<MetricPoint> metrics, this->store_->GetMetrics(t.id));
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_TRUE(std::isnan(metrics[0].values.at("loss")));
  EXPECT_EQ(metrics[0].values.at("tiny"), 1e-300);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord trial, this->store_->GetTrial(t.id));
  ASSERT_TRUE(trial.value.has_value());  // a NaN objective is known, not missing
  EXPECT_TRUE(std::isnan(*trial.value));
}

TYPED_TEST(SegmentContractTest, FinishSegmentAppliesTheOutcomeToSegmentTrialAndCheckpoints) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  const SegmentRecord seg = this->Start(t.id, 0, 10);
  this->now_ = 1050;
  SegmentOutcome out;
  out.state = SegmentState::kCompleted;
  out.exit_code = 0;
  out.log_tail = "epoch 10 done\n";
  out.trial_state = TrialState::kCompleted;
  out.value = 0.125;
  out.trial_step = 10;
  out.checkpoint = "/ckpt/t/0";
  AT_ASSERT_OK(this->store_->FinishSegment(seg.id, out));
  AT_ASSERT_OK_AND_ASSIGN(std::vector<SegmentRecord> segments, this->store_->ListSegments(t.id));
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].state, SegmentState::kCompleted);
  EXPECT_EQ(segments[0].log_tail, "epoch 10 done\n");
  EXPECT_EQ(segments[0].finished_at, 1050);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord trial, this->store_->GetTrial(t.id));
  EXPECT_EQ(trial.state, TrialState::kCompleted);
  EXPECT_EQ(trial.value, std::optional<double>(0.125));
  EXPECT_EQ(trial.step, 10);
  EXPECT_EQ(trial.checkpoint, "/ckpt/t/0");
  EXPECT_EQ(trial.updated_at, 1050);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<CheckpointRecord> ckpts, this->store_->ListCheckpoints(t.id));
  ASSERT_EQ(ckpts.size(), 1u);
  EXPECT_EQ(ckpts[0].trial_id, t.id);
  EXPECT_EQ(ckpts[0].segment_id, seg.id);
  EXPECT_EQ(ckpts[0].step, 10);
  EXPECT_EQ(ckpts[0].path, "/ckpt/t/0");
  EXPECT_FALSE(ckpts[0].deleted);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> events, this->store_->ListEvents(s.id, 0, 100));
  EXPECT_EQ(Kinds(events),
            (std::vector<std::string>{"study.created", "trial.created", "segment.started", "trial.running",
                                      "segment.completed", "trial.completed"}));
}

TYPED_TEST(SegmentContractTest, OutcomeWithoutValueOrCheckpointKeepsTheTrialsEarlierOnes) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  const SegmentRecord first = this->Start(t.id, 0, 5);
  SegmentOutcome paused = this->Completed(5, 0.75, "/ckpt/5");
  paused.trial_state = TrialState::kPaused;
  AT_ASSERT_OK(this->store_->FinishSegment(first.id, paused));
  const SegmentRecord second = this->Start(t.id, 5, 10);
  SegmentOutcome failed;
  failed.state = SegmentState::kFailed;
  failed.exit_code = -9;
  failed.error = "killed by signal 9";
  failed.trial_state = TrialState::kFailed;
  failed.trial_step = 5;
  failed.trial_error = "segment failed after 1 retries";
  AT_ASSERT_OK(this->store_->FinishSegment(second.id, failed));
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord trial, this->store_->GetTrial(t.id));
  EXPECT_EQ(trial.state, TrialState::kFailed);
  EXPECT_EQ(trial.value, std::optional<double>(0.75));
  EXPECT_EQ(trial.checkpoint, "/ckpt/5");
  EXPECT_EQ(trial.error, "segment failed after 1 retries");
  AT_ASSERT_OK_AND_ASSIGN(std::vector<SegmentRecord> segments, this->store_->ListSegments(t.id));
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[1].exit_code, -9);
  EXPECT_EQ(segments[1].error, "killed by signal 9");
  AT_ASSERT_OK_AND_ASSIGN(std::vector<CheckpointRecord> ckpts, this->store_->ListCheckpoints(t.id));
  EXPECT_EQ(ckpts.size(), 1u);
}

TYPED_TEST(SegmentContractTest, FinishingTwiceIsRefusedAndChangesNothing) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  const SegmentRecord seg = this->Start(t.id, 0, 1);
  AT_ASSERT_OK(this->store_->FinishSegment(seg.id, this->Completed(1, 1.0, "/a")));
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> before, this->store_->ListEvents(s.id, 0, 100));
  EXPECT_EQ(this->store_->FinishSegment(seg.id, this->Completed(2, 2.0, "/b")).code(),
            Status::Code::kFailedPrecondition);
  EXPECT_EQ(this->store_->AppendMetrics(seg.id, MetricPoint{1, {{"loss", 1}}}).code(),
            Status::Code::kFailedPrecondition);
  SegmentOutcome running;
  running.state = SegmentState::kRunning;
  EXPECT_EQ(this->store_->FinishSegment(seg.id, running).code(), Status::Code::kInvalidArgument);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord trial, this->store_->GetTrial(t.id));
  EXPECT_EQ(trial.value, std::optional<double>(1.0));
  EXPECT_EQ(trial.checkpoint, "/a");
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> after, this->store_->ListEvents(s.id, 0, 100));
  EXPECT_EQ(after.size(), before.size());
  AT_ASSERT_OK_AND_ASSIGN(std::vector<MetricPoint> metrics, this->store_->GetMetrics(t.id));
  EXPECT_TRUE(metrics.empty());
}

TYPED_TEST(SegmentContractTest, OutcomePointsAreRecordedWithTheSegmentsEndAndOnlyThen) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  const SegmentRecord seg = this->Start(t.id, 0, 1);
  AT_ASSERT_OK(this->store_->AppendMetrics(seg.id, MetricPoint{3, {{"loss", 0.5}, {"value", 9}}}));
  SegmentOutcome done = this->Completed(3, 0.25, "");
  done.points = {MetricPoint{3, {{"value", 0.25}}}, MetricPoint{4, {}}};  // the second records nothing
  AT_ASSERT_OK(this->store_->FinishSegment(seg.id, done));
  AT_ASSERT_OK_AND_ASSIGN(std::vector<MetricPoint> metrics, this->store_->GetMetrics(t.id));
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0].step, 3);
  EXPECT_EQ(metrics[0].values, (Metrics{{"loss", 0.5}, {"value", 0.25}}));  // merged into the step's point
  // A refused end records none of its points.
  SegmentOutcome again = this->Completed(5, 1.0, "");
  again.points = {MetricPoint{5, {{"value", 1.0}}}};
  EXPECT_EQ(this->store_->FinishSegment(seg.id, again).code(), Status::Code::kFailedPrecondition);
  AT_ASSERT_OK_AND_ASSIGN(metrics, this->store_->GetMetrics(t.id));
  EXPECT_EQ(metrics.size(), 1u);
}

TYPED_TEST(SegmentContractTest, MarkCheckpointDeletedFlagsOnlyThatCheckpoint) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  for (int i = 0; i < 2; ++i) {
    const SegmentRecord seg = this->Start(t.id, i, i + 1);
    SegmentOutcome o = this->Completed(i + 1, 0, "/ckpt/" + std::to_string(i));
    o.trial_state = TrialState::kPaused;
    AT_ASSERT_OK(this->store_->FinishSegment(seg.id, o));
  }
  AT_ASSERT_OK_AND_ASSIGN(std::vector<CheckpointRecord> ckpts, this->store_->ListCheckpoints(t.id));
  ASSERT_EQ(ckpts.size(), 2u);
  EXPECT_EQ(ckpts[0].path, "/ckpt/0");
  AT_ASSERT_OK(this->store_->MarkCheckpointDeleted(ckpts[0].id));
  AT_ASSERT_OK_AND_ASSIGN(ckpts, this->store_->ListCheckpoints(t.id));
  EXPECT_TRUE(ckpts[0].deleted);
  EXPECT_FALSE(ckpts[1].deleted);
}

TYPED_TEST(SegmentContractTest, RecoverInterruptedCancelsRunningSegmentsAndResetsTheirTrials) {
  const StudyRecord s = this->NewStudy();
  const StudyRecord other = this->NewStudy("other");
  const TrialRecord done = this->NewTrial(s.id);
  const SegmentRecord done_seg = this->Start(done.id, 0, 1);
  AT_ASSERT_OK(this->store_->FinishSegment(done_seg.id, this->Completed(1, 0.5)));
  const TrialRecord busy = this->NewTrial(s.id);
  const SegmentRecord busy_seg = this->Start(busy.id, 0, 1);
  const TrialRecord waiting = this->NewTrial(s.id);
  const TrialRecord elsewhere = this->NewTrial(other.id);
  const SegmentRecord elsewhere_seg = this->Start(elsewhere.id, 0, 1);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> before, this->store_->ListEvents(s.id, 0, 100));
  this->now_ = 5000;

  AT_ASSERT_OK_AND_ASSIGN(int recovered, this->store_->RecoverInterrupted(s.id));
  EXPECT_EQ(recovered, 1);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord busy_now, this->store_->GetTrial(busy.id));
  EXPECT_EQ(busy_now.state, TrialState::kPending);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<SegmentRecord> segs, this->store_->ListSegments(busy.id));
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].state, SegmentState::kCancelled);
  EXPECT_EQ(segs[0].error, "interrupted");
  EXPECT_EQ(segs[0].finished_at, 5000);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord done_now, this->store_->GetTrial(done.id));
  EXPECT_EQ(done_now.state, TrialState::kCompleted);
  EXPECT_EQ(done_now.value, std::optional<double>(0.5));
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord waiting_now, this->store_->GetTrial(waiting.id));
  EXPECT_EQ(waiting_now.state, TrialState::kPending);
  AT_ASSERT_OK_AND_ASSIGN(TrialRecord elsewhere_now, this->store_->GetTrial(elsewhere.id));
  EXPECT_EQ(elsewhere_now.state, TrialState::kRunning);  // another study is left alone
  AT_ASSERT_OK_AND_ASSIGN(segs, this->store_->ListSegments(elsewhere.id));
  EXPECT_EQ(segs[0].state, SegmentState::kRunning);
  EXPECT_EQ(segs[0].id, elsewhere_seg.id);
  AT_ASSERT_OK_AND_ASSIGN(std::vector<EventRecord> after,
                          this->store_->ListEvents(s.id, before.back().id, 100));
  EXPECT_EQ(Kinds(after), (std::vector<std::string>{"segment.cancelled", "trial.pending"}));
  EXPECT_EQ(after[0].trial_id, std::optional<std::int64_t>(busy.id));

  AT_ASSERT_OK_AND_ASSIGN(recovered, this->store_->RecoverInterrupted(s.id));
  EXPECT_EQ(recovered, 0);
  const SegmentRecord rerun = this->Start(busy.id, 0, 1);  // the trial can run again
  EXPECT_EQ(rerun.attempt, 1);
  (void)busy_seg;
}

}  // namespace
}  // namespace autotune::db_testing
