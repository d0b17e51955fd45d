// PBT through the coordinator: the toy problem of the PBT paper (Fig. 2) with
// θ carried in real checkpoint folders, lineage and checkpoint clean-up.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "db/store.h"
#include "tests/tuner/coordinator/fake_executor.h"
#include "tuner/coordinator/coordinator.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

using testing::FakeExecutor;
using testing::FakeRun;

// The toy: members see Q̂(θ|h) = 1.2 − (h0·θ0² + h1·θ1²) and take gradient
// ascent steps on it (lr 0.01) from θ = (0.9, 0.9); the objective is the true
// Q(θ) = 1.2 − (θ0² + θ1²). θ and its step live in the checkpoint folder.
class Toy {
 public:
  FakeRun Segment(const SegmentTask& t) {
    double th0 = 0.9, th1 = 0.9;
    if (!t.resume_from.empty()) {
      std::ifstream in(t.resume_from + "/theta");
      std::int64_t step = -1;
      in >> th0 >> th1 >> step;
      if (!in || step != t.step_begin) ++wrong_checkpoints;  // resumed from the wrong step or nothing
    } else if (t.step_begin != 0) {
      ++wrong_checkpoints;
    }
    const double h0 = std::get<double>(t.params.at("h0")), h1 = std::get<double>(t.params.at("h1"));
    FakeRun r;
    for (std::int64_t s = t.step_begin + 1; s <= t.step_end; ++s) {
      th0 -= 0.01 * 2 * h0 * th0;
      th1 -= 0.01 * 2 * h1 * th1;
      const double q = 1.2 - (th0 * th0 + th1 * th1);
      r.metrics.push_back({s, {{"Q", q}}});
      double& best = best_by_step[s];
      best = std::max(best, q);
    }
    std::filesystem::create_directories(t.checkpoint_dir);
    std::ofstream(t.checkpoint_dir + "/theta") << th0 << " " << th1 << " " << t.step_end;
    r.write_checkpoint = true;
    return r;
  }
  // The best Q any member reached at or before `step`.
  double BestBy(std::int64_t step) const {
    double best = -1e9;
    for (const auto& [s, q] : best_by_step)
      if (s <= step) best = std::max(best, q);
    return best;
  }
  std::map<std::int64_t, double> best_by_step;
  int wrong_checkpoints = 0;
};

class PbtEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("pbt-engine-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Runs the toy with the given scheduler section; returns the store.
  std::unique_ptr<Store> RunToy(const std::string& scheduler, Toy& toy, std::uint64_t seed = 1,
                                int members = 2, int slots = 2) {
    auto store = NewMemoryStore();
    const std::string text = R"({"name": "toy", "objective": {"metric": "Q", "mode": "max"},
      "space": {"h0": {"type": "float", "low": 0, "high": 1}, "h1": {"type": "float", "low": 0, "high": 1}},
      "enqueue": [{"h0": 1, "h1": 0}, {"h0": 0, "h1": 1}],
      "trial": {"command": ["/bin/true"], "max_steps": 400, "keep_checkpoints": 1},
      "budget": {"max_trials": )" +
                             std::to_string(members) + R"(, "max_parallel": )" + std::to_string(slots) +
                             R"(}, "seed": )" + std::to_string(seed) + R"(, "scheduler": )" + scheduler + "}";
    auto parsed = ParseStudySpec(text, "/");
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    boost::asio::io_context io;
    FakeExecutor exec(io, slots, [&](const SegmentTask& t) { return toy.Segment(t); });
    auto searcher = std::move(MakeSearcher(parsed->spec.searcher, parsed->spec.space, seed)).value();
    auto record = *store->CreateStudy("toy", parsed->canonical_json);
    CoordinatorOptions opts;
    opts.checkpoint_root = (root_ / std::to_string(++runs_)).string();  // each store its own folder
    Coordinator c(io, *store, exec, *searcher, parsed->spec, record, opts);
    Status result;
    StudyState state = StudyState::kFailed;
    c.Start([&](const Status& s, StudyState st) { result = s, state = st; });
    io.run();
    EXPECT_TRUE(result.ok()) << result.ToString();
    EXPECT_EQ(state, StudyState::kCompleted);
    EXPECT_EQ(toy.wrong_checkpoints, 0);
    return store;
  }

  std::filesystem::path root_;
  int runs_ = 0;
};

TEST_F(PbtEngineTest, PbtSolvesThePapersToyWhereExploitOnlyCannot) {
  Toy pbt, exploit_only, explore_only;
  RunToy(R"({"algorithm": "pbt", "perturbation_interval": 4})", pbt);
  RunToy(R"({"algorithm": "pbt", "perturbation_interval": 4, "resample_probability": 0,
             "perturbation_factors": [1.0]})",
         exploit_only);
  RunToy(R"({"algorithm": "pbt", "perturbation_interval": 4, "exploit": false})", explore_only);
  for (std::int64_t at : {100, 200, 400}) {
    std::printf("best Q by step %lld: pbt %.3f, exploit-only %.3f, explore-only %.3f\n",
                static_cast<long long>(at), pbt.BestBy(at), exploit_only.BestBy(at), explore_only.BestBy(at));
  }
  EXPECT_GE(pbt.BestBy(400), 1.19);
  EXPECT_LT(exploit_only.BestBy(400), 0.40);  // a grid's 0.39: each h alone leaves one θ untouched
  EXPECT_GT(exploit_only.BestBy(400), 0.38);
  EXPECT_LT(explore_only.BestBy(100), pbt.BestBy(100));
}

TEST_F(PbtEngineTest, ExploitsRecordLineageAndCopiesAndLeaveOnlyTheKeptCheckpoints) {
  Toy toy;
  auto store = RunToy(R"({"algorithm": "pbt", "perturbation_interval": 20})", toy);
  auto study = *store->FindStudy("toy");
  auto trials = *store->ListTrials(study->id);
  int exploited_segments = 0;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::kCompleted);
    EXPECT_EQ(t.step, 400);
    const std::vector<SegmentRecord> segments = *store->ListSegments(t.id);
    for (const auto& seg : segments) {
      if (seg.step_begin == 0) continue;
      ASSERT_TRUE(seg.source_trial_id) << seg.id;
      if (*seg.source_trial_id != t.id) {
        ++exploited_segments;
        // It resumed from a copy in its own folder, never from the source's.
        EXPECT_NE(seg.resume_from.find("/trial-" + std::to_string(t.number) + "/gen-"), std::string::npos)
            << seg.resume_from;
      }
    }
    const std::vector<CheckpointRecord> checkpoints = *store->ListCheckpoints(t.id);
    for (const auto& c : checkpoints) {
      if (c.origin_trial_id) {
        EXPECT_NE(*c.origin_trial_id, t.id);
      }
    }
  }
  EXPECT_GT(exploited_segments, 0);
  // keep_checkpoints = 1: only the best member's last checkpoint is left, on disk and in the store.
  auto live = *store->ListLiveCheckpoints(study->id);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(live[0].path + "/COMPLETE"));
  int folders = 0;
  for (const auto& trial : std::filesystem::directory_iterator(root_ / "1" / "toy"))
    if (trial.path().filename().string().rfind("trial-", 0) == 0)
      for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(trial.path())) ++folders;
  EXPECT_EQ(folders, 1);
}

TEST_F(PbtEngineTest, SyncGenerationsWithFewerSlotsThanMembersTrainEveryStepOfEveryMember) {
  // With 2 slots for 6 members, a source that continued first would be
  // copied at a later step than the generation's, and its copier would skip
  // steps; each member must train exactly max_steps steps.
  int exploits = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    Toy toy;
    auto store =
        RunToy(R"({"algorithm": "pbt", "perturbation_interval": 20, "mode": "sync"})", toy, seed, 6, 2);
    auto study = *store->FindStudy("toy");
    const std::vector<TrialRecord> trials = *store->ListTrials(study->id);
    for (const auto& t : trials) {
      EXPECT_EQ(t.step, 400);
      std::int64_t trained = 0;
      const std::vector<SegmentRecord> segments = *store->ListSegments(t.id);
      for (const auto& seg : segments) {
        if (seg.state != SegmentState::kCompleted) continue;
        trained += seg.step_end - seg.step_begin;
        if (seg.source_trial_id && *seg.source_trial_id != t.id) {
          ++exploits;
          EXPECT_EQ(seg.step_begin % 20, 0) << "copied off a generation's step: " << seg.step_begin;
        }
      }
      EXPECT_EQ(trained, 400) << "trial " << t.id << ", seed " << seed;
    }
  }
  EXPECT_GT(exploits, 0);
}

}  // namespace
}  // namespace autotune
