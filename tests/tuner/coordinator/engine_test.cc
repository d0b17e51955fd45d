// The coordinator as a study engine: ASHA through the scheduler seam, and the
// faults the first coordinator handled badly (each test failed on it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "db/store.h"
#include "tests/tuner/coordinator/fake_executor.h"
#include "tests/tuner/coordinator/faulty_store.h"
#include "tuner/coordinator/coordinator.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

using testing::FakeExecutor;
using testing::FakeRun;
using testing::FaultyStore;
using testing::Reports;

double ParamX(const Params& p) { return std::get<double>(p.at("x")); }

// A learning curve: the loss falls with steps towards x.
FakeRun Curve(const SegmentTask& t) {
  FakeRun r;
  for (std::int64_t s = t.step_begin + 1; s <= t.step_end; ++s)
    r.metrics.push_back({s, {{"value", ParamX(t.params) + 1.0 / static_cast<double>(s)}}});
  r.write_checkpoint = true;
  return r;
}

// Records the history the coordinator hands the searcher.
class RecordingSearcher : public Searcher {
 public:
  explicit RecordingSearcher(std::unique_ptr<Searcher> inner) : inner_(std::move(inner)) {}
  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    last = history;
    return inner_->Suggest(history, n);
  }
  History last;

 private:
  std::unique_ptr<Searcher> inner_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("engine-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    memory_ = NewMemoryStore();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  StudySpec Spec(const std::string& extra, int max_trials, int parallel, int max_steps = 1, int retries = 0) {
    std::string text = R"({"name": "s", "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "trial": {"command": ["/bin/true"], "max_steps": )" +
                       std::to_string(max_steps) + R"(, "retries": )" + std::to_string(retries) + R"(},
      "budget": {"max_trials": )" + std::to_string(max_trials) +
                       R"(, "max_parallel": )" + std::to_string(parallel) + "}" + extra + "}";
    auto parsed = ParseStudySpec(text, "/");
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    canonical_ = parsed->canonical_json;
    return parsed->spec;
  }

  struct Result {
    Status status;
    StudyState state = StudyState::kFailed;
    bool done = false;
  };

  // Runs a study on `store` to its end.
  Result Run(Store& store, const StudySpec& spec, FakeExecutor::Script script, int capacity,
             Searcher* searcher = nullptr, std::function<double()> now = nullptr,
             std::function<void(Coordinator&, FakeExecutor&)> during = nullptr) {
    boost::asio::io_context io;
    FakeExecutor exec(io, capacity, std::move(script));
    auto own = MakeSearcher(spec.searcher, spec.space, spec.seed);
    EXPECT_TRUE(own.ok());
    auto found = store.FindStudy(spec.name);
    StudyRecord record = found.ok() && *found ? **found : *store.CreateStudy(spec.name, canonical_);
    CoordinatorOptions opts;
    opts.checkpoint_root = root_.string();
    opts.keep_best_checkpoints = 1;
    opts.now = now;
    Coordinator c(io, store, exec, searcher ? *searcher : **own, spec, record, opts);
    Result r;
    c.Start([&](const Status& s, StudyState st) {
      r.status = s;
      r.state = st;
      r.done = true;
    });
    if (during) during(c, exec);
    io.run();
    launched_ = exec.launched;
    return r;
  }

  std::vector<TrialRecord> Trials(Store& store) { return *store.ListTrials((*store.FindStudy("s"))->id); }

  std::filesystem::path root_;
  std::unique_ptr<Store> memory_;
  std::string canonical_;
  std::vector<SegmentTask> launched_;
};

TEST_F(EngineTest, AshaPausesPromotesAndPrunesResumingEachTrialFromItsOwnCheckpoint) {
  StudySpec spec = Spec(R"(, "scheduler": {"algorithm": "asha", "min_steps": 1, "reduction_factor": 3})", 9, 1, 9);
  Result r = Run(*memory_, spec, Curve, 1);
  ASSERT_TRUE(r.done);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.state, StudyState::kCompleted);
  int completed = 0, pruned = 0;
  std::int64_t steps = 0;
  for (const auto& t : Trials(*memory_)) {
    auto segments = *memory_->ListSegments(t.id);
    for (std::size_t i = 0; i < segments.size(); ++i) {
      steps += segments[i].step_end - segments[i].step_begin;
      if (i == 0) {
        EXPECT_TRUE(segments[i].resume_from.empty());
      } else {
        // A promotion resumes from the checkpoint the trial's previous segment wrote.
        EXPECT_EQ(segments[i].resume_from, segments[i - 1].checkpoint_dir);
        EXPECT_EQ(segments[i].step_begin, segments[i - 1].step_end);
        ASSERT_TRUE(segments[i].source_trial_id);
        EXPECT_EQ(*segments[i].source_trial_id, t.id);
      }
    }
    if (t.state == TrialState::kCompleted) {
      ++completed;
      EXPECT_EQ(t.step, 9);
    } else {
      EXPECT_EQ(t.state, TrialState::kPruned);
      EXPECT_NE(t.error.find("not resumed"), std::string::npos) << t.error;
      ++pruned;
      // A pruned trial's checkpoint is gone.
      EXPECT_FALSE(std::filesystem::exists(t.checkpoint)) << t.checkpoint;
    }
  }
  EXPECT_EQ(completed + pruned, 9);
  EXPECT_GE(completed, 1);
  EXPECT_LT(steps, 9 * 9 / 2);  // far fewer steps than nine full trials
}

TEST_F(EngineTest, SearchersSeeStoppedTrialsNoBetterThanTheWorstCompletedOne) {
  StudySpec spec = Spec(R"(, "scheduler": {"algorithm": "asha", "min_steps": 1})", 12, 1, 9);
  RecordingSearcher searcher(std::move(MakeSearcher(spec.searcher, spec.space, 1)).value());
  Result r = Run(*memory_, spec, Curve, 1, &searcher);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  double worst = -1e300;
  for (const auto& o : searcher.last.trials)
    if (o.state == TrialState::kCompleted) worst = std::max(worst, *o.loss);
  int stopped = 0;
  for (const auto& o : searcher.last.trials) {
    if (!IsStopped(o.state)) continue;
    ++stopped;
    ASSERT_TRUE(o.loss);
    EXPECT_GE(*o.loss, worst);
    EXPECT_GE(*o.loss, o.last_loss().value());
  }
  EXPECT_GT(stopped, 0);
}

TEST_F(EngineTest, AnEngineErrorCancelsRunningSegmentsWithoutFailingTheirTrials) {
  FaultyStore store(*memory_);
  StudySpec spec = Spec("", 4, 2);
  int created = 0;
  store.fault = [&](const std::string& op) {
    if (op == "CreateTrial" && ++created == 3) return Status::Unavailable("disk unplugged");
    return Status::Ok();
  };
  // Trial id 1 finishes at once; trial id 2 still runs when creating the third trial fails.
  bool hold = true;
  auto script = [&](const SegmentTask& t) {
    FakeRun run = Reports(t, 1.0);
    run.hold = hold && t.trial_id == 2;
    return run;
  };
  Result r = Run(store, spec, script, 2);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.status.code(), Status::Code::kUnavailable) << r.status.ToString();
  EXPECT_EQ(r.state, StudyState::kRunning);  // left resumable
  auto trials = Trials(*memory_);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::kCompleted);
  EXPECT_EQ(trials[1].state, TrialState::kPending);  // cancelled by the engine, not failed
  auto segments = *memory_->ListSegments(trials[1].id);
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].state, SegmentState::kCancelled);
  EXPECT_EQ((*memory_->FindStudy("s"))->state, StudyState::kRunning);
  // Running it again finishes the study, re-running the cancelled trial.
  store.fault = nullptr;
  hold = false;
  r = Run(store, spec, script, 2);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.state, StudyState::kCompleted);
  trials = Trials(*memory_);
  ASSERT_EQ(trials.size(), 4u);
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::kCompleted);
}

TEST_F(EngineTest, ARetryAfterACrashWritesIntoAFreshFolder) {
  StudySpec spec = Spec("", 1, 1);
  {
    boost::asio::io_context io;
    FakeExecutor exec(io, 1, [](const SegmentTask& t) {
      FakeRun r = Reports(t, 1.0);
      r.hold = true;
      return r;
    });
    auto searcher = std::move(MakeSearcher(spec.searcher, spec.space, spec.seed)).value();
    auto record = *memory_->CreateStudy("s", canonical_);
    CoordinatorOptions opts;
    opts.checkpoint_root = root_.string();
    auto c = std::make_unique<Coordinator>(io, *memory_, exec, *searcher, spec, record, opts);
    c->Start([](const Status&, StudyState) { ADD_FAILURE() << "must not finish"; });
    io.run();
    ASSERT_EQ(exec.launched.size(), 1u);
    // The crashed attempt left files in its folder.
    std::filesystem::create_directories(exec.launched[0].checkpoint_dir);
    std::ofstream(exec.launched[0].checkpoint_dir + "/half-written") << "x";
    c.reset();
  }
  Result r = Run(*memory_, spec, [](const SegmentTask& t) {
    EXPECT_FALSE(std::filesystem::exists(t.checkpoint_dir + "/half-written"));
    FakeRun run = Reports(t, 1.0);
    run.write_checkpoint = true;
    return run;
  }, 1);
  EXPECT_EQ(r.state, StudyState::kCompleted);
  auto segments = *memory_->ListSegments(Trials(*memory_)[0].id);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].attempt, 0);
  EXPECT_EQ(segments[1].attempt, 1);
  EXPECT_NE(segments[0].checkpoint_dir, segments[1].checkpoint_dir);
  EXPECT_NE(segments[1].checkpoint_dir.find("-try-1"), std::string::npos) << segments[1].checkpoint_dir;
  EXPECT_FALSE(std::filesystem::exists(segments[0].checkpoint_dir));  // swept: nothing resumes from it
}

TEST_F(EngineTest, AnExecutorWithNoSlotEndsTheStudyWithAReasonInsteadOfSpinning) {
  Result r = Run(*memory_, Spec("", 3, 2), [](const SegmentTask& t) { return Reports(t, 1.0); }, 0);
  ASSERT_TRUE(r.done);  // io.run() returned: nothing re-posts itself forever
  EXPECT_EQ(r.status.code(), Status::Code::kFailedPrecondition) << r.status.ToString();
  EXPECT_NE(r.status.message().find("cannot run"), std::string::npos);
}

TEST_F(EngineTest, NoRetryOrNewTrialStartsOnceTheTimeBudgetIsSpent) {
  StudySpec spec = Spec(R"(, "budget": {"max_trials": 5, "max_parallel": 1, "max_time_s": 10})", 5, 1, 1, 3);
  double clock = 0;
  Result r = Run(*memory_, spec, [&](const SegmentTask& t) {
    clock += 6;  // each try takes six seconds
    FakeRun run = Reports(t, 1.0);
    if (t.trial_id == 2) run.result.exit_code = 1;
    return run;
  }, 1, nullptr, [&] { return clock; });
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.state, StudyState::kCompleted);
  auto trials = Trials(*memory_);
  ASSERT_EQ(trials.size(), 2u);  // trial 2 failed at t=12, past the budget
  EXPECT_EQ(trials[0].state, TrialState::kCompleted);
  EXPECT_EQ(trials[1].state, TrialState::kPruned);
  EXPECT_NE(trials[1].error.find("max_time_s"), std::string::npos) << trials[1].error;
  EXPECT_EQ(launched_.size(), 2u);  // no retry after the budget
}

TEST_F(EngineTest, MetricReportsAreStoredBeforeTheirSegmentEnds) {
  StudySpec spec = Spec("", 1, 1, 5);
  Result r = Run(*memory_, spec, [](const SegmentTask& t) {
    FakeRun run;
    for (int s = 1; s <= 5; ++s) run.metrics.push_back({s, {{"value", 1.0 / s}, {"acc", 0.1 * s}}});
    (void)t;
    return run;
  }, 1);
  EXPECT_EQ(r.state, StudyState::kCompleted);
  auto metrics = *memory_->GetMetrics(Trials(*memory_)[0].id);
  ASSERT_EQ(metrics.size(), 5u);
  EXPECT_DOUBLE_EQ(metrics[4].values.at("acc"), 0.5);
  auto segments = *memory_->ListSegments(Trials(*memory_)[0].id);
  ASSERT_TRUE(segments[0].value);
  EXPECT_DOUBLE_EQ(*segments[0].value, 0.2);
}

}  // namespace
}  // namespace autotune
