// Property (issue 12): every registered searcher returns finite, in-bounds
// params for every valid space, also spaces at the edges of int64 and of a
// double; suggestions are told back as completed trials (some failed) so the
// model-based searchers fit and propose from their models too.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "tuner/searchers/searcher.h"

namespace autotune {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr double kBig = std::numeric_limits<double>::max();

ParamSpec Int(const std::string& name, std::int64_t low, std::int64_t high, bool log = false) {
  return {name, IntDist{low, high, log, {}}, std::nullopt, 0};
}
ParamSpec Float(const std::string& name, double low, double high, bool log = false) {
  return {name, FloatDist{low, high, log, {}}, std::nullopt, 0};
}

struct NamedSpace {
  std::string name;
  std::vector<ParamSpec> params;
};

std::vector<NamedSpace> ExtremeSpaces() {
  std::vector<NamedSpace> spaces = {
      {"int64-full", {Int("n", kMin, kMax)}},
      {"int64-top", {Int("n", kMax - 800, kMax)}},
      {"int64-bottom", {Int("n", kMin, kMin + 3)}},
      {"log-int-to-max", {Int("n", 1, kMax, true)}},
      {"log-int-top", {Int("n", kMax - 800, kMax, true)}},
      {"float-width-overflows", {Float("x", -1.7e308, 1.7e308)}},
      {"float-dbl-max", {Float("x", -kBig, kBig)}},
      {"log-float-denormal-to-max", {Float("x", 5e-324, kBig, true)}},
      {"float-four-ulps", {Float("x", 1.0, 1.0 + 4 * std::numeric_limits<double>::epsilon())}},
  };
  std::vector<ParamSpec> all;
  for (const auto& s : spaces) {
    ParamSpec p = s.params[0];
    p.name = s.name;
    all.push_back(p);
  }
  all.push_back({"c", CategoricalDist{{std::int64_t{1}, std::string("a"), true, 2.5}}, std::nullopt, 0});
  spaces.push_back({"all-at-once", all});
  return spaces;
}

// Finite numbers inside the bounds, of the right types (Validate), for every param.
void ExpectValid(const SearchSpace& space, const Params& p, const std::string& where) {
  Status s = space.Validate(p);
  EXPECT_TRUE(s.ok()) << where << ": " << s.ToString() << " in " << ToString(p);
  for (const auto& [name, v] : p) {
    if (const double* d = std::get_if<double>(&v)) {
      EXPECT_TRUE(std::isfinite(*d)) << where << ": " << name;
    }
  }
}

// A finite loss with an optimum inside the cube.
double Loss(const SearchSpace& space, const Params& p) {
  double loss = 0;
  for (double u : space.Encode(p)) loss += (u - 0.3) * (u - 0.3);
  return loss;
}

TEST(ExtremeSpaceTest, EverySearcherSuggestsFiniteInBoundsParams) {
  const std::vector<std::string> algorithms = {"grid", "random", "sobol", "gp", "tpe", "hazero", "pshe2"};
  for (const NamedSpace& named : ExtremeSpaces()) {
    auto created = SearchSpace::Create(named.params);
    ASSERT_TRUE(created.ok()) << named.name << ": " << created.status().ToString();
    const SearchSpace& space = *created;
    for (const std::string& algorithm : algorithms) {
      const std::string where = algorithm + " on " + named.name;
      auto searcher = MakeSearcher({algorithm, {}}, space, 3, 2);
      ASSERT_TRUE(searcher.ok()) << where << ": " << searcher.status().ToString();
      History history;
      // A prior at a corner of the space: extremes must encode too.
      Params corner = space.Decode(std::vector<double>(space.dims(), 1.0));
      history.prior.push_back({corner, TrialState::kCompleted, Loss(space, corner)});
      const int trials = algorithm == "gp" ? 14 : 24;
      std::set<Params> distinct;
      for (int round = 0; static_cast<int>(history.trials.size()) < trials && round < 100; ++round) {
        auto next = (*searcher)->Suggest(history, 2);
        ASSERT_TRUE(next.ok()) << where << ": " << next.status().ToString();
        if (next->empty() && (*searcher)->Exhausted(history)) break;
        for (const Params& p : *next) {
          ExpectValid(space, p, where);
          distinct.insert(p);
          const bool fail = history.trials.size() % 7 == 6;
          history.trials.push_back({p, fail ? TrialState::kFailed : TrialState::kCompleted,
                                    fail ? std::nullopt : std::optional<double>(Loss(space, p))});
        }
      }
      EXPECT_GE(history.trials.size(), 3u) << where;
      // Random draws over a wide space do not collapse onto one value.
      if (algorithm == "random" || algorithm == "sobol") {
        EXPECT_GE(distinct.size(), 3u) << where;
      }
    }
  }
}

}  // namespace
}  // namespace autotune
