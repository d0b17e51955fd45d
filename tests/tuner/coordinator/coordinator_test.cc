#include "tuner/coordinator/coordinator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "db/store.h"
#include "tests/tuner/coordinator/fake_executor.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

using testing::FakeExecutor;
using testing::FakeRun;
using testing::Reports;

double ParamX(const Params& p) { return std::get<double>(p.at("x")); }

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("coord-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    store_ = NewMemoryStore();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  StudySpec Spec(const std::string& extra_json = "", int max_trials = 6, int parallel = 2) {
    std::string text = R"({"name": "s", "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "objective": {"metric": "value", "mode": "min"},
      "trial": {"command": ["/bin/true"], "retries": 1},
      "budget": {"max_trials": )" + std::to_string(max_trials) + R"(, "max_parallel": )" +
                       std::to_string(parallel) + "}" + extra_json + "}";
    auto parsed = ParseStudySpec(text, "/");
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    canonical_ = parsed->canonical_json;
    return parsed->spec;
  }

  // Runs a study to its end; returns its final state.
  StudyState Run(const StudySpec& spec, FakeExecutor::Script script, int capacity = 2,
                 std::function<void(Coordinator&, FakeExecutor&)> during = nullptr) {
    boost::asio::io_context io;
    FakeExecutor exec(io, capacity, std::move(script));
    auto searcher = MakeSearcher(spec.searcher, spec.space, spec.seed);
    EXPECT_TRUE(searcher.ok());
    auto study = store_->FindStudy(spec.name);
    StudyRecord record = study.ok() && *study ? **study : *store_->CreateStudy(spec.name, canonical_);
    CoordinatorOptions opts;
    opts.checkpoint_root = root_.string();
    opts.keep_best_checkpoints = 2;
    Coordinator c(io, *store_, exec, **searcher, spec, record, opts);
    StudyState final_state = StudyState::kRunning;
    bool done = false;
    c.Start([&](const Status& s, StudyState st) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      final_state = st;
      done = true;
    });
    if (during) during(c, exec);
    io.run();
    EXPECT_TRUE(done);
    launched_ = exec.launched;
    max_seen_ = exec.max_seen;
    return final_state;
  }

  std::vector<TrialRecord> Trials() {
    auto study = store_->FindStudy("s");
    return *store_->ListTrials((*study)->id);
  }

  std::filesystem::path root_;
  std::unique_ptr<Store> store_;
  std::string canonical_;
  std::vector<SegmentTask> launched_;
  int max_seen_ = 0;
};

TEST_F(CoordinatorTest, RunsTheBudgetAndRecordsValues) {
  auto state = Run(Spec(), [](const SegmentTask& t) { return Reports(t, ParamX(t.params)); });
  EXPECT_EQ(state, StudyState::kCompleted);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 6u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::kCompleted);
    ASSERT_TRUE(t.value);
    EXPECT_DOUBLE_EQ(*t.value, ParamX(t.params));
    EXPECT_EQ(t.step, 1);
  }
  EXPECT_EQ(launched_.size(), 6u);
  EXPECT_EQ(max_seen_, 2);
}

TEST_F(CoordinatorTest, NeverRunsMoreThanCapacity) {
  Run(Spec("", 10, 3), [](const SegmentTask& t) { return Reports(t, 1); }, 3);
  EXPECT_LE(max_seen_, 3);
  EXPECT_EQ(launched_.size(), 10u);
}

TEST_F(CoordinatorTest, ValueIsTheMetricAtTheLastReportedStep) {
  auto state = Run(Spec("", 1, 1), [](const SegmentTask& t) {
    FakeRun r;
    r.metrics = {{5, {{"value", 3.0}}}, {1, {{"value", 1.0}}}, {7, {{"loss", 9.0}}}, {6, {{"value", 2.0}}}};
    (void)t;
    return r;
  });
  EXPECT_EQ(state, StudyState::kCompleted);
  EXPECT_DOUBLE_EQ(*Trials()[0].value, 2.0);
}

TEST_F(CoordinatorTest, RetriesAFailedSegmentThenSucceeds) {
  std::map<std::int64_t, int> attempts;
  auto state = Run(Spec("", 2, 1), [&](const SegmentTask& t) {
    if (attempts[t.trial_id]++ == 0) {
      FakeRun r;
      r.result.exit_code = 3;
      return r;
    }
    return Reports(t, 0.5);
  });
  EXPECT_EQ(state, StudyState::kCompleted);
  for (const auto& t : Trials()) {
    EXPECT_EQ(t.state, TrialState::kCompleted);
    auto segments = *store_->ListSegments(t.id);
    ASSERT_EQ(segments.size(), 2u);
    EXPECT_EQ(segments[0].state, SegmentState::kFailed);
    EXPECT_EQ(segments[0].exit_code, 3);
    EXPECT_EQ(segments[1].state, SegmentState::kCompleted);
    EXPECT_NE(segments[0].checkpoint_dir, segments[1].checkpoint_dir);
  }
}

TEST_F(CoordinatorTest, TrialFailsAfterRetriesWithItsReasonAndTheStudyGoesOn) {
  auto state = Run(Spec("", 4, 1), [](const SegmentTask& t) {
    if (t.trial_id % 2 == 0) {
      FakeRun r;
      r.result.kind = SegmentResult::Kind::kSignaled;
      r.result.exit_code = 9;
      r.result.log_tail = "boom\n";
      return r;
    }
    return Reports(t, 1.0);
  });
  EXPECT_EQ(state, StudyState::kCompleted);
  int failed = 0;
  for (const auto& t : Trials()) {
    if (t.state != TrialState::kFailed) continue;
    ++failed;
    EXPECT_NE(t.error.find("killed by signal 9"), std::string::npos) << t.error;
    auto segments = *store_->ListSegments(t.id);
    EXPECT_EQ(segments.size(), 2u);  // one try + one retry
    EXPECT_EQ(segments.back().exit_code, -9);
    EXPECT_EQ(segments.back().log_tail, "boom\n");
  }
  EXPECT_EQ(failed, 2);
}

TEST_F(CoordinatorTest, MissingObjectiveMetricFailsTheTrial) {
  auto state = Run(Spec("", 2, 1), [](const SegmentTask& t) {
    FakeRun r;
    r.metrics.push_back({t.step_end, {{"loss", 1.0}}});
    return r;
  });
  EXPECT_EQ(state, StudyState::kFailed);  // no trial completed
  for (const auto& t : Trials()) {
    EXPECT_EQ(t.state, TrialState::kFailed);
    EXPECT_NE(t.error.find("did not report the objective metric \"value\""), std::string::npos) << t.error;
  }
}

TEST_F(CoordinatorTest, ResumeRerunsInterruptedTrialsAndNeverCompletedOnes) {
  StudySpec spec = Spec("", 5, 2);
  // First run: two trials finish, then the "process dies" with two running.
  {
    boost::asio::io_context io;
    int finished = 0;
    FakeExecutor exec(io, 2, [&](const SegmentTask& t) {
      FakeRun r = Reports(t, 1.0);
      r.hold = finished >= 2;
      ++finished;
      return r;
    });
    auto searcher = std::move(MakeSearcher(spec.searcher, spec.space, spec.seed)).value();
    auto record = *store_->CreateStudy("s", canonical_);
    CoordinatorOptions opts;
    opts.checkpoint_root = root_.string();
    auto c = std::make_unique<Coordinator>(io, *store_, exec, *searcher, spec, record, opts);
    c->Start([](const Status&, StudyState) { ADD_FAILURE() << "must not finish"; });
    io.run();  // stops when only held segments remain
    EXPECT_EQ(exec.Running(), 2);
    c.reset();  // crash: the store still says two segments run
  }
  auto before = Trials();
  std::set<std::int64_t> completed_before;
  for (const auto& t : before)
    if (t.state == TrialState::kCompleted) completed_before.insert(t.id);
  ASSERT_EQ(completed_before.size(), 2u);
  ASSERT_EQ(before.size(), 4u);

  auto state = Run(spec, [](const SegmentTask& t) { return Reports(t, 2.0); });
  EXPECT_EQ(state, StudyState::kCompleted);
  auto after = Trials();
  ASSERT_EQ(after.size(), 5u);
  for (const auto& task : launched_) EXPECT_FALSE(completed_before.count(task.trial_id));
  EXPECT_EQ(launched_.size(), 3u);  // the 2 interrupted + 1 new
  for (const auto& t : after) EXPECT_EQ(t.state, TrialState::kCompleted);
}

TEST_F(CoordinatorTest, StopCancelsRunningSegmentsAndLeavesTrialsResumable) {
  StudySpec spec = Spec("", 5, 2);
  auto state = Run(
      spec,
      [](const SegmentTask& t) {
        FakeRun r = Reports(t, 1.0);
        r.hold = true;
        return r;
      },
      2, [](Coordinator& c, FakeExecutor&) { c.Stop(); });
  EXPECT_EQ(state, StudyState::kStopped);
  for (const auto& t : Trials()) EXPECT_EQ(t.state, TrialState::kPending);
  auto study = *store_->FindStudy("s");
  EXPECT_EQ(study->state, StudyState::kStopped);
}

TEST_F(CoordinatorTest, GridExhaustionEndsTheStudyEarly) {
  StudySpec spec = Spec(R"(, "searcher": {"algorithm": "grid", "grid_points": 3})", 100, 2);
  auto state = Run(spec, [](const SegmentTask& t) { return Reports(t, ParamX(t.params)); });
  EXPECT_EQ(state, StudyState::kCompleted);
  EXPECT_EQ(Trials().size(), 3u);
}

TEST_F(CoordinatorTest, KeepsOnlyTheBestCheckpointsAndDeletesTheRest) {
  StudySpec spec = Spec("", 5, 1);
  auto state = Run(spec, [](const SegmentTask& t) {
    FakeRun r = Reports(t, ParamX(t.params));
    r.write_checkpoint = true;
    return r;
  });
  EXPECT_EQ(state, StudyState::kCompleted);
  auto trials = Trials();
  std::sort(trials.begin(), trials.end(), [](auto& a, auto& b) { return *a.value < *b.value; });
  for (std::size_t i = 0; i < trials.size(); ++i) {
    bool kept = i < 2;
    EXPECT_EQ(std::filesystem::exists(trials[i].checkpoint + "/COMPLETE"), kept) << i;
    auto cps = *store_->ListCheckpoints(trials[i].id);
    ASSERT_EQ(cps.size(), 1u);
    EXPECT_EQ(cps[0].deleted, !kept);
  }
}

TEST_F(CoordinatorTest, SegmentTasksCarryTheProtocolInputs) {
  StudySpec spec = Spec(R"(, "seed": 7)", 2, 1);
  Run(spec, [](const SegmentTask& t) { return Reports(t, 1.0); });
  ASSERT_EQ(launched_.size(), 2u);
  EXPECT_EQ(launched_[0].study_name, "s");
  EXPECT_EQ(launched_[0].argv, std::vector<std::string>{"/bin/true"});
  EXPECT_EQ(launched_[0].step_begin, 0);
  EXPECT_EQ(launched_[0].step_end, 1);
  EXPECT_TRUE(launched_[0].resume_from.empty());
  EXPECT_NE(launched_[0].seed, launched_[1].seed);
  EXPECT_NE(launched_[0].checkpoint_dir.find(root_.string() + "/s/trial-0/"), std::string::npos);
}

// Records the history the coordinator hands it.
class RecordingSearcher : public Searcher {
 public:
  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    priors = history.prior.size();
    if (!history.prior.empty()) first_prior_loss = *history.prior[0].loss;
    return std::vector<Params>(n, Params{{"x", 0.5}});
  }
  std::size_t priors = 0;
  double first_prior_loss = 0;
};

TEST_F(CoordinatorTest, WarmStartTrialsReachTheSearcherAsOrientedLosses) {
  StudySpec spec =
      Spec(R"(, "objective": {"metric": "value", "mode": "max"},
          "warm_start": {"trials": [{"params": {"x": 0.25}, "value": 3.0}]})", 1, 1);
  boost::asio::io_context io;
  FakeExecutor exec(io, 1, [](const SegmentTask& t) { return Reports(t, 1.0); });
  RecordingSearcher searcher;
  auto record = *store_->CreateStudy("s", canonical_);
  Coordinator c(io, *store_, exec, searcher, spec, record, {root_.string(), 5, nullptr});
  c.Start([](const Status& s, StudyState) { EXPECT_TRUE(s.ok()); });
  io.run();
  EXPECT_EQ(searcher.priors, 1u);
  EXPECT_DOUBLE_EQ(searcher.first_prior_loss, -3.0);
}

TEST_F(CoordinatorTest, WarmStartFromAnEarlierStudyUsesItsCompletedTrialsThatFitTheSpace) {
  auto old = *store_->CreateStudy("old", "{}");
  auto fits = *store_->CreateTrial(old.id, {{"x", 0.5}}, std::nullopt, 0);
  auto outside = *store_->CreateTrial(old.id, {{"x", 7.0}}, std::nullopt, 0);
  auto unfinished = *store_->CreateTrial(old.id, {{"x", 0.1}}, std::nullopt, 0);
  for (auto* t : {&fits, &outside}) {
    SegmentRecord seg;
    seg.trial_id = t->id;
    seg.step_end = 1;
    seg.params = t->params;  // a segment's params become its trial's
    auto started = *store_->StartSegment(seg);
    SegmentOutcome out;
    out.value = 4.0;
    out.trial_step = 1;
    ASSERT_TRUE(store_->FinishSegment(started.id, out).ok());
  }
  (void)unfinished;
  StudySpec spec = Spec(R"(, "warm_start": {"study": "old"})", 1, 1);
  boost::asio::io_context io;
  FakeExecutor exec(io, 1, [](const SegmentTask& t) { return Reports(t, 1.0); });
  RecordingSearcher searcher;
  auto record = *store_->CreateStudy("s", canonical_);
  Coordinator c(io, *store_, exec, searcher, spec, record, {root_.string(), 5, nullptr});
  c.Start([](const Status& s, StudyState) { EXPECT_TRUE(s.ok()) << s.ToString(); });
  io.run();
  EXPECT_EQ(searcher.priors, 1u);  // only the completed trial inside [0, 1]
  EXPECT_DOUBLE_EQ(searcher.first_prior_loss, 4.0);
}

TEST_F(CoordinatorTest, WarmStartFromAMissingStudyFailsNamingTheField) {
  StudySpec spec = Spec(R"(, "warm_start": {"study": "nope"})", 1, 1);
  boost::asio::io_context io;
  FakeExecutor exec(io, 1, [](const SegmentTask& t) { return Reports(t, 1.0); });
  RecordingSearcher searcher;
  auto record = *store_->CreateStudy("s", canonical_);
  Coordinator c(io, *store_, exec, searcher, spec, record, {root_.string(), 5, nullptr});
  Status result;
  c.Start([&](const Status& s, StudyState) { result = s; });
  io.run();
  EXPECT_EQ(result.field(), "warm_start.study");
  EXPECT_TRUE(exec.launched.empty());
}

}  // namespace
}  // namespace autotune
