// PSHE2: rounds, the per-particle momentum rule, the push, replay and options.
#include "tuner/searchers/pshe2.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace autotune {
namespace {

// On [-1, 1] a float's value is its PSHE2 coordinate.
SearchSpace Unit2D(std::optional<ParamValue> init_a = std::nullopt) {
  ParamSpec a{"a", FloatDist{-1, 1, false, {}}, init_a, 0};
  ParamSpec b{"b", FloatDist{-1, 1, false, {}}, std::nullopt, 0};
  return SearchSpace::Create({a, b}).value();
}

double Num(const Params& p, const std::string& name) {
  double v = 0;
  AsNumber(p.at(name), &v);
  return v;
}

double Loss(const Params& p) {
  const double a = Num(p, "a") - 0.3, b = Num(p, "b") + 0.2;
  return a * a + b * b;
}

std::unique_ptr<Searcher> Make(const SearchSpace& space, std::uint64_t seed, Options options = {}) {
  auto s = MakePshe2Searcher(options, space, seed);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

using Vec = std::array<double, 2>;

Vec At(const Params& p) { return {Num(p, "a"), Num(p, "b")}; }

// Tells a whole round and returns its points.
std::vector<Vec> Round(Searcher& s, History& h, int popsize) {
  auto round = s.Suggest(h, 100);
  EXPECT_EQ(static_cast<int>(round->size()), popsize);
  std::vector<Vec> xs;
  for (const auto& p : *round) {
    h.trials.push_back({p, TrialState::kCompleted, Loss(p)});
    xs.push_back(At(p));
  }
  return xs;
}

double LossOf(const Vec& x) { return (x[0] - 0.3) * (x[0] - 0.3) + (x[1] + 0.2) * (x[1] + 0.2); }

TEST(Pshe2Test, EachParticleKeepsItsOwnMomentum) {
  // epsilon = 0 removes the push after round 0, so rounds 1 and 2 follow the
  // momentum rule exactly; a momentum shared by the particles (PaddleHub's
  // slip) gives different points from the second particle on.
  const double alpha = 0.5;
  const int pop = 4;
  auto s = Make(Unit2D(), 3, {{"popsize", std::int64_t{pop}}, {"epsilon", 0.0}});
  History h;
  const auto x0 = Round(*s, h, pop);
  std::vector<Vec> pbest = x0, m(pop, Vec{0, 0});
  Vec gbest = x0[0];
  for (const auto& x : x0)
    if (LossOf(x) < LossOf(gbest)) gbest = x;

  std::vector<Vec> x = x0;
  for (int k = 1; k <= 2; ++k) {
    std::vector<Vec> expected(pop);
    for (int i = 0; i < pop; ++i) {
      for (int j = 0; j < 2; ++j) {
        m[i][j] =
            (1 - 3 * alpha / k) * m[i][j] - alpha * (x[i][j] - pbest[i][j]) - alpha * (x[i][j] - gbest[j]);
        expected[i][j] = std::clamp(x[i][j] + alpha * m[i][j], -1.0, 1.0);
      }
    }
    x = Round(*s, h, pop);
    for (int i = 0; i < pop; ++i) {
      for (int j = 0; j < 2; ++j)
        EXPECT_NEAR(x[i][j], expected[i][j], 1e-12) << "round " << k << " particle " << i;
      if (LossOf(x[i]) < LossOf(pbest[i])) pbest[i] = x[i];
      if (LossOf(x[i]) < LossOf(gbest)) gbest = x[i];
    }
  }
}

TEST(Pshe2Test, InitialPopulationSpreadsAroundTheInitPoint) {
  // With epsilon 1 the push of s moves each coordinate to a uniform point of
  // [s, 1] or [-1, s]: spread out, inside the box, on both sides of s.
  auto s = Make(Unit2D(ParamValue(0.5)), 4, {{"popsize", std::int64_t{40}}});
  auto round = s->Suggest(History{}, 100);
  ASSERT_EQ(round->size(), 40u);
  int above = 0;
  for (const auto& p : *round) {
    EXPECT_GE(Num(p, "a"), -1);
    EXPECT_LE(Num(p, "a"), 1);
    above += Num(p, "a") > 0.5;
  }
  EXPECT_GT(above, 5);
  EXPECT_LT(above, 35);
}

TEST(Pshe2Test, WaitsForTheWholeRoundAndReplaysFromHistory) {
  auto s = Make(Unit2D(), 5);
  History h;
  Round(*s, h, 5);
  auto next = s->Suggest(h, 3);
  ASSERT_EQ(next->size(), 3u);
  for (const auto& p : *next) h.trials.push_back({p, TrialState::kRunning, std::nullopt});
  EXPECT_EQ(s->Suggest(h, 10)->size(), 2u);
  auto rest = s->Suggest(h, 10);
  for (const auto& p : *rest) h.trials.push_back({p, TrialState::kRunning, std::nullopt});
  EXPECT_TRUE(s->Suggest(h, 10)->empty());
  // A fresh searcher with the same seed reproduces every point so far.
  auto t = Make(Unit2D(), 5);
  History replay;
  for (std::size_t i = 0; i < h.trials.size(); ++i) {
    auto one = t->Suggest(replay, 1);
    ASSERT_EQ(one->size(), 1u) << i;
    EXPECT_EQ(one->at(0), h.trials[i].params) << i;
    replay.trials.push_back(h.trials[i]);
  }
}

TEST(Pshe2Test, SuggestionsStayInsideMixedSpaceAndImprove) {
  const SearchSpace space =
      SearchSpace::Create(
          {
              {"lr", FloatDist{1e-5, 1, true, {}}, std::nullopt, 0},
              {"depth", IntDist{1, 12, false, {}}, std::nullopt, 0},
              {"opt", CategoricalDist{{std::string("sgd"), std::string("adam")}}, std::nullopt, 0},
          })
          .value();
  auto s = Make(space, 6);
  History h;
  for (int r = 0; r < 12; ++r) {
    auto round = s->Suggest(h, 100);
    ASSERT_EQ(round->size(), 5u);
    EXPECT_GT(std::set<Params>(round->begin(), round->end()).size(), 1u);
    for (const auto& p : *round) {
      ASSERT_TRUE(space.Validate(p).ok()) << space.Validate(p).ToString();
      const double a = std::log10(Num(p, "lr")) + 2, d = Num(p, "depth") - 7;
      h.trials.push_back({p, TrialState::kCompleted, a * a + 0.1 * d * d});
    }
  }
  double first = INFINITY, best = INFINITY;
  for (int i = 0; i < 5; ++i) first = std::min(first, *h.trials[i].loss);
  for (const auto& t : h.trials) best = std::min(best, *t.loss);
  EXPECT_LT(best, first);
}

TEST(Pshe2Test, SameSeedSameRunOtherSeedOtherRun) {
  auto run = [](std::uint64_t seed) {
    auto s = Make(Unit2D(), seed);
    History h;
    for (int r = 0; r < 6; ++r) Round(*s, h, 5);
    return h.trials.back().params;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

TEST(Pshe2Test, RejectsUnknownAndOutOfRangeOptions) {
  auto bad = MakePshe2Searcher({{"momentum", 0.1}}, Unit2D(), 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "searcher.momentum");
  auto eps = MakePshe2Searcher({{"epsilon", 1.5}}, Unit2D(), 0);
  ASSERT_FALSE(eps.ok());
  EXPECT_EQ(eps.status().field(), "searcher.epsilon");
  auto pop = MakePshe2Searcher({{"popsize", std::int64_t{0}}}, Unit2D(), 0);
  ASSERT_FALSE(pop.ok());
  EXPECT_EQ(pop.status().field(), "searcher.popsize");
}

}  // namespace
}  // namespace autotune
