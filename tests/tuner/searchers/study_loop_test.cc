// Every registered searcher runs a whole study on every kind of space: two
// trials in flight at a time, a scripted mix of completed, failed and pruned
// trials, and a synthetic objective. Suggest must never fail, never return
// invalid params, and never leave the study stuck (nothing suggested,
// nothing in flight, not exhausted).
#include <gtest/gtest.h>

#include <cmath>
#include <deque>

#include "tuner/searchers/searcher.h"

namespace autotune {
namespace {

constexpr int kTrials = 40;
constexpr int kParallel = 2;

struct SpaceKind {
  std::string name;
  std::vector<ParamSpec> params;
};

std::vector<SpaceKind> Kinds() {
  const CategoricalDist words{{std::string("sgd"), std::string("adam"), std::string("adamw")}};
  const CategoricalDist flags{{true, false}};
  return {
      {"continuous",
       {{"lr", FloatDist{1e-5, 1, true, {}}, std::nullopt, 0},
        {"x", FloatDist{-2, 3, false, {}}, std::nullopt, 0},
        {"y", FloatDist{0, 1, false, {}}, std::nullopt, 0}}},
      {"integer",
       {{"depth", IntDist{1, 12, false, {}}, std::nullopt, 0},
        {"width", IntDist{8, 1024, true, {}}, std::nullopt, 0}}},
      {"categorical", {{"opt", words, std::nullopt, 0}, {"bias", flags, std::nullopt, 0}}},
      {"mixed",
       {{"lr", FloatDist{1e-5, 1, true, {}}, std::nullopt, 0},
        {"depth", IntDist{1, 12, false, {}}, std::nullopt, 0},
        {"opt", words, std::nullopt, 0}}},
  };
}

// A bowl in the unit cube around 0.3 (categoricals: the first choice best).
double Objective(const SearchSpace& space, const Params& p) {
  const std::vector<double> u = space.Encode(p);
  double loss = 0;
  for (double v : u) loss += (v - 0.3) * (v - 0.3);
  return loss;
}

class StudyLoopTest : public ::testing::TestWithParam<std::string> {};

TEST_P(StudyLoopTest, FinishesAStudyOnEverySpaceKind) {
  for (const SpaceKind& kind : Kinds()) {
    SCOPED_TRACE(GetParam() + " on " + kind.name);
    auto space_or = SearchSpace::Create(kind.params);
    ASSERT_TRUE(space_or.ok()) << space_or.status().ToString();
    const SearchSpace space = *space_or;
    auto searcher = MakeSearcher({GetParam(), {}}, space, 11, kParallel, kTrials);
    ASSERT_TRUE(searcher.ok()) << searcher.status().ToString();
    History history;
    std::deque<std::size_t> in_flight;
    for (int step = 0; step < 10 * kTrials && static_cast<int>(history.trials.size()) < kTrials; ++step) {
      const int want = std::min<int>(kParallel - static_cast<int>(in_flight.size()),
                                     kTrials - static_cast<int>(history.trials.size()));
      auto got = (*searcher)->Suggest(history, want);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_LE(static_cast<int>(got->size()), want);
      for (const Params& p : *got) {
        ASSERT_TRUE(space.Validate(p).ok()) << ToString(p);
        in_flight.push_back(history.trials.size());
        history.trials.push_back({p, TrialState::kRunning, std::nullopt});
      }
      if (in_flight.empty()) {
        ASSERT_TRUE((*searcher)->Exhausted(history)) << "stuck after " << history.trials.size() << " trials";
        break;
      }
      // The oldest trial in flight ends: every 7th fails, every 11th is
      // pruned with a value, the rest complete.
      Observation& t = history.trials[in_flight.front()];
      const std::size_t number = in_flight.front();
      in_flight.pop_front();
      if (number % 7 == 6) {
        t.state = TrialState::kFailed;
      } else {
        t.state = number % 11 == 10 ? TrialState::kPruned : TrialState::kCompleted;
        t.loss = Objective(space, t.params);
      }
    }
    const bool exhausted = (*searcher)->Exhausted(history);
    EXPECT_TRUE(static_cast<int>(history.trials.size()) == kTrials || exhausted) << history.trials.size();
    const std::string describe = (*searcher)->Describe();
    EXPECT_EQ(describe.find('\n'), std::string::npos);
    if (GetParam() == "auto") {
      EXPECT_EQ(describe.rfind("auto: ", 0), 0u) << describe;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllSearchers, StudyLoopTest,
                         ::testing::Values("auto", "grid", "random", "sobol", "gp", "tpe", "hazero",
                                           "pshe2"));

}  // namespace
}  // namespace autotune
