// Store contract, part 3: what the study engine needs — decisions applied to
// trials (plans, exploits), counts / best / pages, batched metrics, segment
// summaries, checkpoint copies and pins, events, attributes and leases.
// Every test runs against each Store implementation (store_test_util.h).
#include <cmath>
#include <limits>
#include <vector>

#include "tests/db/store_test_util.h"

namespace autotune::db_testing {
namespace {

template <typename Factory>
class EngineContractTest : public StoreFixture<Factory> {
 protected:
  // A segment of trial_id from begin to end that completes with value and a
  // checkpoint at `checkpoint`, leaving the trial in `state`.
  void RunSegment(std::int64_t trial_id, std::int64_t begin, std::int64_t end, double value,
                  const std::string& checkpoint, TrialState state = TrialState::kPending) {
    const SegmentRecord seg = this->Start(trial_id, begin, end);
    SegmentOutcome o;
    o.segment_value = value;
    o.value = value;
    o.trial_step = end;
    o.checkpoint = checkpoint;
    o.trial_state = state;
    AT_ASSERT_OK(this->store_->FinishSegment(seg.id, o));
  }
  TrialRecord Get(std::int64_t id) {
    auto t = this->store_->GetTrial(id);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TrialRecord{};
  }
};
TYPED_TEST_SUITE(EngineContractTest, StoreTypes, StoreTypeNames);

TYPED_TEST(EngineContractTest, UpdateTrialSetsStateAndPlanOfAWaitingTrialOnly) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  this->RunSegment(t.id, 0, 3, 0.5, "/c/3");
  TrialUpdate pause;
  pause.state = TrialState::kPaused;
  AT_ASSERT_OK(this->store_->UpdateTrial(t.id, pause));
  EXPECT_EQ(this->Get(t.id).state, TrialState::kPaused);
  TrialUpdate promote;
  promote.state = TrialState::kPending;
  promote.next_step_end = 9;
  AT_ASSERT_OK(this->store_->UpdateTrial(t.id, promote));
  TrialRecord got = this->Get(t.id);
  EXPECT_EQ(got.state, TrialState::kPending);
  EXPECT_EQ(got.next_step_end, 9);
  EXPECT_EQ(got.step, 3);
  // A running trial and a finished one take no decision; running is never set this way.
  this->Start(t.id, 3, 9);
  EXPECT_EQ(this->store_->UpdateTrial(t.id, promote).code(), Status::Code::kFailedPrecondition);
  TrialUpdate run;
  run.state = TrialState::kRunning;
  EXPECT_EQ(this->store_->UpdateTrial(t.id, run).code(), Status::Code::kInvalidArgument);
  const TrialRecord done = this->NewTrial(s.id);
  this->RunSegment(done.id, 0, 9, 0.1, "", TrialState::kCompleted);
  EXPECT_EQ(this->store_->UpdateTrial(done.id, pause).code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(this->store_->UpdateTrial(999, pause).code(), Status::Code::kNotFound);
}

TYPED_TEST(EngineContractTest, FinishSegmentRecordsTheSegmentValueAndThePlan) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  const SegmentRecord seg = this->Start(t.id, 0, 3);
  SegmentOutcome o;
  o.segment_value = 0.7;
  o.value = 0.7;
  o.trial_step = 3;
  o.trial_state = TrialState::kPending;
  o.next_step_end = 9;
  AT_ASSERT_OK(this->store_->FinishSegment(seg.id, o));
  EXPECT_EQ(this->Get(t.id).next_step_end, 9);
  AT_ASSERT_OK_AND_ASSIGN(auto segments, this->store_->ListSegments(t.id));
  ASSERT_TRUE(segments[0].value);
  EXPECT_DOUBLE_EQ(*segments[0].value, 0.7);
  // A running trial is never the outcome of a finished segment.
  const SegmentRecord again = this->Start(t.id, 3, 9);
  o.trial_state = TrialState::kRunning;
  EXPECT_EQ(this->store_->FinishSegment(again.id, o).code(), Status::Code::kInvalidArgument);
}

TYPED_TEST(EngineContractTest, APlanCarriesTheParamsOfTheNextSegment) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id, {{"x", 0.5}});
  const SegmentRecord seg = this->Start(t.id, 0, 3);
  SegmentOutcome o;
  o.value = 1.0;
  o.trial_step = 3;
  o.trial_state = TrialState::kPending;
  o.next_step_end = 6;
  o.next_params = Params{{"x", 0.25}};
  AT_ASSERT_OK(this->store_->FinishSegment(seg.id, o));
  EXPECT_EQ(this->Get(t.id).params, (Params{{"x", 0.25}}));
  TrialUpdate u;
  u.state = TrialState::kPending;
  u.params = Params{{"x", 0.125}};
  AT_ASSERT_OK(this->store_->UpdateTrial(t.id, u));
  EXPECT_EQ(this->Get(t.id).params, (Params{{"x", 0.125}}));
  AT_ASSERT_OK_AND_ASSIGN(auto segments, this->store_->ListSegments(t.id));
  EXPECT_EQ(segments[0].params, (Params{{"x", 0.5}}));  // the history keeps what ran
}

TYPED_TEST(EngineContractTest, StartSegmentNumbersTheFolderByAttemptAndRecordsParamsHistory) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id, {{"x", 0.5}});
  SegmentRecord seg;
  seg.trial_id = t.id;
  seg.step_end = 3;
  seg.params = {{"x", 0.5}};
  seg.checkpoint_dir = "/c/steps-0-3-try-{attempt}";
  AT_ASSERT_OK_AND_ASSIGN(SegmentRecord first, this->store_->StartSegment(seg));
  EXPECT_EQ(first.checkpoint_dir, "/c/steps-0-3-try-0");
  SegmentOutcome cancelled;
  cancelled.state = SegmentState::kCancelled;
  cancelled.trial_state = TrialState::kPending;
  AT_ASSERT_OK(this->store_->FinishSegment(first.id, cancelled));
  seg.params = {{"x", 0.25}};  // new params for the retry
  AT_ASSERT_OK_AND_ASSIGN(SegmentRecord second, this->store_->StartSegment(seg));
  EXPECT_EQ(second.checkpoint_dir, "/c/steps-0-3-try-1");
  AT_ASSERT_OK_AND_ASSIGN(auto listed, this->store_->ListSegments(t.id));
  EXPECT_EQ(listed[1].checkpoint_dir, "/c/steps-0-3-try-1");
  EXPECT_EQ(listed[0].params, (Params{{"x", 0.5}}));
  EXPECT_EQ(listed[1].params, (Params{{"x", 0.25}}));
  EXPECT_EQ(this->Get(t.id).params, (Params{{"x", 0.25}}));
}

TYPED_TEST(EngineContractTest, ExploitMovesATrialOntoAnotherTrialsCheckpointAndPinsIt) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord winner = this->NewTrial(s.id, {{"x", 0.1}});
  const TrialRecord loser = this->NewTrial(s.id, {{"x", 0.9}});
  this->RunSegment(winner.id, 0, 4, 0.1, "/c/w/4");
  const SegmentRecord seg = this->Start(loser.id, 0, 4);
  SegmentOutcome o;
  o.segment_value = 0.9;
  o.value = 0.9;
  o.trial_step = 4;
  o.checkpoint = "/c/l/4";
  o.trial_state = TrialState::kPending;
  o.next_step_end = 8;
  o.exploit = Exploit{winner.id, "/c/w/4", 4, {{"x", 0.12}}, 1};
  AT_ASSERT_OK(this->store_->FinishSegment(seg.id, o));
  TrialRecord got = this->Get(loser.id);
  EXPECT_EQ(got.params, (Params{{"x", 0.12}}));
  ASSERT_TRUE(got.parent_id);
  EXPECT_EQ(*got.parent_id, winner.id);
  EXPECT_EQ(got.generation, 1);
  EXPECT_EQ(got.step, 4);
  EXPECT_EQ(got.checkpoint, "/c/w/4");
  EXPECT_EQ(got.next_step_end, 8);
  // The winner's checkpoint is pinned by the loser even after the winner finishes.
  AT_ASSERT_OK(this->store_->SetTrialState(winner.id, TrialState::kCompleted, ""));
  AT_ASSERT_OK_AND_ASSIGN(auto wc, this->store_->ListCheckpoints(winner.id));
  EXPECT_EQ(this->store_->MarkCheckpointDeleted(wc[0].id).code(), Status::Code::kFailedPrecondition);
  // The copy becomes the loser's own: the winner's is free, and the next
  // segment's lineage names the winner.
  CheckpointRecord copy;
  copy.trial_id = loser.id;
  copy.step = 4;
  copy.path = "/c/l/copy-4";
  copy.origin_trial_id = winner.id;
  copy.bytes = 123;
  AT_ASSERT_OK_AND_ASSIGN(CheckpointRecord recorded, this->store_->RecordCheckpoint(copy));
  EXPECT_GT(recorded.id, 0);
  EXPECT_EQ(this->Get(loser.id).checkpoint, "/c/l/copy-4");
  AT_ASSERT_OK(this->store_->MarkCheckpointDeleted(wc[0].id));
  SegmentRecord next;
  next.trial_id = loser.id;
  next.step_begin = 4;
  next.step_end = 8;
  next.params = {{"x", 0.12}};
  next.resume_from = "/c/l/copy-4";
  AT_ASSERT_OK_AND_ASSIGN(SegmentRecord started, this->store_->StartSegment(next));
  ASSERT_TRUE(started.source_trial_id);
  EXPECT_EQ(*started.source_trial_id, winner.id);
  AT_ASSERT_OK_AND_ASSIGN(auto events, this->store_->ListEvents(s.id, 0, 1000));
  bool logged = false;
  for (const auto& e : events) logged |= e.kind == "trial.exploited";
  EXPECT_TRUE(logged);
}

TYPED_TEST(EngineContractTest, AnExploitOfAnUnknownOrDeletedCheckpointChangesNothing) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord winner = this->NewTrial(s.id);
  const TrialRecord loser = this->NewTrial(s.id);
  this->RunSegment(winner.id, 0, 4, 0.1, "/c/w/4");
  this->RunSegment(loser.id, 0, 4, 0.9, "/c/l/4");
  TrialUpdate u;
  u.state = TrialState::kPending;
  u.exploit = Exploit{winner.id, "/c/nowhere", 4, {{"x", 0.2}}, 1};
  EXPECT_EQ(this->store_->UpdateTrial(loser.id, u).code(), Status::Code::kFailedPrecondition);
  u.exploit = Exploit{12345, "/c/w/4", 4, {{"x", 0.2}}, 1};
  EXPECT_EQ(this->store_->UpdateTrial(loser.id, u).code(), Status::Code::kNotFound);
  TrialRecord got = this->Get(loser.id);
  EXPECT_EQ(got.checkpoint, "/c/l/4");
  EXPECT_EQ(got.params, (Params{{"x", 0.5}}));
  u.exploit = Exploit{winner.id, "/c/w/4", 4, {{"x", 0.2}}, 1};
  AT_ASSERT_OK(this->store_->UpdateTrial(loser.id, u));
  EXPECT_EQ(this->Get(loser.id).checkpoint, "/c/w/4");
}

TYPED_TEST(EngineContractTest, ACheckpointIsPinnedWhileAnUnfinishedTrialResumesFromIt) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  this->RunSegment(t.id, 0, 2, 0.5, "/c/2");
  this->RunSegment(t.id, 2, 4, 0.4, "/c/4");
  AT_ASSERT_OK_AND_ASSIGN(auto cs, this->store_->ListCheckpoints(t.id));
  ASSERT_EQ(cs.size(), 2u);
  AT_EXPECT_OK(this->store_->MarkCheckpointDeleted(cs[0].id));  // superseded
  EXPECT_EQ(this->store_->MarkCheckpointDeleted(cs[1].id).code(), Status::Code::kFailedPrecondition);
  AT_ASSERT_OK_AND_ASSIGN(auto live, this->store_->ListLiveCheckpoints(s.id));
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].path, "/c/4");
  AT_ASSERT_OK(this->store_->SetTrialState(t.id, TrialState::kPruned, ""));
  AT_EXPECT_OK(this->store_->MarkCheckpointDeleted(cs[1].id));
  AT_ASSERT_OK_AND_ASSIGN(live, this->store_->ListLiveCheckpoints(s.id));
  EXPECT_TRUE(live.empty());
}

TYPED_TEST(EngineContractTest, RecordCheckpointNeedsAWaitingTrialAndAPath) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord t = this->NewTrial(s.id);
  CheckpointRecord c;
  c.trial_id = t.id;
  c.path = "";
  EXPECT_EQ(this->store_->RecordCheckpoint(c).status().code(), Status::Code::kInvalidArgument);
  c.path = "/c/x";
  this->Start(t.id, 0, 1);
  EXPECT_EQ(this->store_->RecordCheckpoint(c).status().code(), Status::Code::kFailedPrecondition);
  c.trial_id = 999;
  EXPECT_EQ(this->store_->RecordCheckpoint(c).status().code(), Status::Code::kNotFound);
}

TYPED_TEST(EngineContractTest, CountsBestAndPagesAnswerWithoutListingEverything) {
  const StudyRecord s = this->NewStudy();
  const StudyRecord other = this->NewStudy("other");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> values = {0.5, 0.2, nan, 0.2, 0.9};
  for (double v : values) {
    const TrialRecord t = this->NewTrial(s.id);
    this->RunSegment(t.id, 0, 1, v, "", TrialState::kCompleted);
  }
  const TrialRecord pending = this->NewTrial(s.id);
  const TrialRecord failed = this->NewTrial(s.id);
  AT_ASSERT_OK(this->store_->SetTrialState(failed.id, TrialState::kFailed, "boom"));
  this->NewTrial(other.id);
  AT_ASSERT_OK_AND_ASSIGN(auto counts, this->store_->CountTrials(s.id));
  EXPECT_EQ(counts[static_cast<int>(TrialState::kCompleted)], 5);
  EXPECT_EQ(counts[static_cast<int>(TrialState::kPending)], 1);
  EXPECT_EQ(counts[static_cast<int>(TrialState::kFailed)], 1);
  EXPECT_EQ(counts[static_cast<int>(TrialState::kRunning)], 0);
  AT_ASSERT_OK_AND_ASSIGN(auto best_min, this->store_->BestTrial(s.id, Mode::kMin));
  ASSERT_TRUE(best_min);
  EXPECT_EQ(best_min->number, 1);  // 0.2 twice: the lower number wins; NaN never
  EXPECT_EQ(best_min->params, (Params{{"x", 0.5}}));
  AT_ASSERT_OK_AND_ASSIGN(auto best_max, this->store_->BestTrial(s.id, Mode::kMax));
  ASSERT_TRUE(best_max);
  EXPECT_EQ(best_max->number, 4);
  AT_ASSERT_OK_AND_ASSIGN(auto none, this->store_->BestTrial(other.id, Mode::kMin));
  EXPECT_FALSE(none);
  TrialQuery q;
  q.limit = 3;
  AT_ASSERT_OK_AND_ASSIGN(auto page1, this->store_->ListTrialsPage(s.id, q));
  ASSERT_EQ(page1.size(), 3u);
  EXPECT_EQ(page1[0].number, 0);
  EXPECT_EQ(page1[2].number, 2);
  EXPECT_EQ(page1[1].params, (Params{{"x", 0.5}}));
  q.after_number = page1.back().number;
  AT_ASSERT_OK_AND_ASSIGN(auto page2, this->store_->ListTrialsPage(s.id, q));
  ASSERT_EQ(page2.size(), 3u);
  EXPECT_EQ(page2[0].number, 3);
  q.after_number = page2.back().number;
  AT_ASSERT_OK_AND_ASSIGN(auto page3, this->store_->ListTrialsPage(s.id, q));
  ASSERT_EQ(page3.size(), 1u);
  EXPECT_EQ(page3[0].id, failed.id);
  TrialQuery only_pending;
  only_pending.state = TrialState::kPending;
  AT_ASSERT_OK_AND_ASSIGN(auto pend, this->store_->ListTrialsPage(s.id, only_pending));
  ASSERT_EQ(pend.size(), 1u);
  EXPECT_EQ(pend[0].id, pending.id);
  q.limit = 0;
  EXPECT_EQ(this->store_->ListTrialsPage(s.id, q).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(this->store_->CountTrials(999).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(this->store_->BestTrial(999, Mode::kMin).status().code(), Status::Code::kNotFound);
}

TYPED_TEST(EngineContractTest, MetricBatchesWriteRunningSegmentsAndSkipFinishedOnes) {
  const StudyRecord s = this->NewStudy();
  const TrialRecord a = this->NewTrial(s.id);
  const TrialRecord b = this->NewTrial(s.id);
  const SegmentRecord sa = this->Start(a.id, 0, 5);
  const SegmentRecord sb = this->Start(b.id, 0, 5);
  SegmentOutcome done;
  done.trial_state = TrialState::kPending;
  AT_ASSERT_OK(this->store_->FinishSegment(sb.id, done));
  std::vector<std::pair<std::int64_t, MetricPoint>> batch = {
      {sa.id, {1, {{"loss", 3.0}}}}, {sb.id, {1, {{"loss", 9.0}}}}, {sa.id, {2, {{"loss", 2.0}}}},
      {sa.id, {2, {{"acc", 0.5}}}}};
  AT_ASSERT_OK(this->store_->AppendMetricsBatch(batch));
  AT_ASSERT_OK_AND_ASSIGN(auto ma, this->store_->GetMetrics(a.id));
  ASSERT_EQ(ma.size(), 2u);
  EXPECT_EQ(ma[1].values, (Metrics{{"loss", 2.0}, {"acc", 0.5}}));
  AT_ASSERT_OK_AND_ASSIGN(auto mb, this->store_->GetMetrics(b.id));
  EXPECT_TRUE(mb.empty());
  batch = {{sa.id, {3, {{"loss", 1.0}}}}, {424242, {1, {{"loss", 1.0}}}}};
  EXPECT_EQ(this->store_->AppendMetricsBatch(batch).code(), Status::Code::kNotFound);
  AT_ASSERT_OK_AND_ASSIGN(ma, this->store_->GetMetrics(a.id));
  EXPECT_EQ(ma.size(), 2u);  // nothing of a refused batch was written
}

TYPED_TEST(EngineContractTest, SegmentSummariesListAStudysSegmentsWithTheirValues) {
  const StudyRecord s = this->NewStudy();
  const StudyRecord other = this->NewStudy("other");
  const TrialRecord t = this->NewTrial(s.id);
  this->RunSegment(t.id, 0, 3, 0.4, "/c/3");
  this->Start(t.id, 3, 9);
  this->RunSegment(this->NewTrial(other.id).id, 0, 1, 1.0, "");
  AT_ASSERT_OK_AND_ASSIGN(auto sums, this->store_->ListSegmentSummaries(s.id));
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums[0].trial_id, t.id);
  EXPECT_EQ(sums[0].step_end, 3);
  EXPECT_EQ(sums[0].state, SegmentState::kCompleted);
  ASSERT_TRUE(sums[0].value);
  EXPECT_DOUBLE_EQ(*sums[0].value, 0.4);
  EXPECT_EQ(sums[1].state, SegmentState::kRunning);
  EXPECT_FALSE(sums[1].value);
}

TYPED_TEST(EngineContractTest, EventsAndAttributesOfTheEngine) {
  const StudyRecord s = this->NewStudy();
  const StudyRecord other = this->NewStudy("other");
  const TrialRecord t = this->NewTrial(s.id);
  AT_ASSERT_OK(this->store_->AddEvent(s.id, t.id, "scheduler.promoted", "trial 0 promoted to rung 1"));
  EXPECT_EQ(this->store_->AddEvent(other.id, t.id, "x", "").code(), Status::Code::kNotFound);
  EXPECT_EQ(this->store_->AddEvent(s.id, std::nullopt, "", "").code(), Status::Code::kInvalidArgument);
  AT_ASSERT_OK_AND_ASSIGN(auto events, this->store_->ListEvents(s.id, 0, 100));
  EXPECT_EQ(events.back().kind, "scheduler.promoted");
  EXPECT_EQ(events.back().detail, "trial 0 promoted to rung 1");
  AT_ASSERT_OK(this->store_->SetStudyAttribute(s.id, "searcher", "tpe"));
  AT_ASSERT_OK(this->store_->SetStudyAttribute(s.id, "searcher", "gp"));
  AT_ASSERT_OK(this->store_->SetStudyAttribute(s.id, "gone", "soon"));
  AT_ASSERT_OK(this->store_->SetStudyAttribute(s.id, "gone", ""));
  AT_ASSERT_OK_AND_ASSIGN(auto attrs, this->store_->StudyAttributes(s.id));
  EXPECT_EQ(attrs, (std::map<std::string, std::string>{{"searcher", "gp"}}));
  AT_ASSERT_OK_AND_ASSIGN(auto none, this->store_->StudyAttributes(other.id));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(this->store_->SetStudyAttribute(999, "a", "b").code(), Status::Code::kNotFound);
}

TYPED_TEST(EngineContractTest, AStudyHasOneLeaseHolderAtATime) {
  const StudyRecord s = this->NewStudy();
  const StudyRecord other = this->NewStudy("other");
  AT_ASSERT_OK_AND_ASSIGN(auto lease, this->store_->AcquireStudy(s.id, "pid 1 on test"));
  auto second = this->store_->AcquireStudy(s.id, "pid 2 on test");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("pid 1 on test"), std::string::npos) << second.status().message();
  AT_ASSERT_OK_AND_ASSIGN(auto other_lease, this->store_->AcquireStudy(other.id, "pid 2 on test"));
  lease.reset();
  AT_ASSERT_OK_AND_ASSIGN(auto again, this->store_->AcquireStudy(s.id, "pid 3 on test"));
  EXPECT_EQ(this->store_->AcquireStudy(999, "x").status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace autotune::db_testing
