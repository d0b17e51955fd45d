// random: seeded, trial-number-indexed uniform draws in the unit cube.
#include "tuner/searchers/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace autotune {
namespace {

SearchSpace MixedSpace() {
  auto s = SearchSpace::Create({
      {"x", FloatDist{0, 1, false, {}}, std::nullopt, 0},
      {"lr", FloatDist{1e-4, 1, true, {}}, std::nullopt, 0},
      {"n", IntDist{1, 6, false, {}}, std::nullopt, 0},
      {"opt", CategoricalDist{{std::string("sgd"), std::string("adam"), true}}, std::nullopt, 0},
  });
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : SearchSpace();
}

std::unique_ptr<Searcher> Random(std::uint64_t seed, const SearchSpace& space = MixedSpace()) {
  auto r = MakeRandomSearcher({}, space, seed);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

std::vector<Params> Draw(std::uint64_t seed, int n, const History& h = {}) {
  auto r = Random(seed)->Suggest(h, n);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r->size(), static_cast<std::size_t>(std::max(n, 0)));
  return r.ok() ? *r : std::vector<Params>{};
}

// Pearson's chi-square statistic of observed counts against equal expected counts.
double ChiSquare(const std::vector<int>& counts) {
  double total = 0;
  for (int c : counts) total += c;
  const double expect = total / static_cast<double>(counts.size());
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expect) * (c - expect) / expect;
  return chi2;
}

TEST(RandomSearcherTest, SameSeedGivesTheSameSuggestions) { EXPECT_EQ(Draw(5, 50), Draw(5, 50)); }

TEST(RandomSearcherTest, DifferentSeedsGiveDifferentSuggestions) {
  std::vector<Params> a = Draw(1, 20), b = Draw(2, 20);
  int same_x = 0;
  for (int i = 0; i < 20; ++i) same_x += a[i].at("x") == b[i].at("x");
  EXPECT_EQ(same_x, 0);
}

TEST(RandomSearcherTest, TrialIGetsTheSamePointWhateverNAndEarlierResults) {
  const std::vector<Params> all = Draw(11, 30);
  for (int k = 0; k < 30; k += 7) {
    History h, other;
    for (int i = 0; i < k; ++i) {
      h.trials.push_back({all[i], TrialState::kCompleted, static_cast<double>(i)});
      // Different params, states and losses for the same trial numbers.
      other.trials.push_back({all[29 - i], i % 2 ? TrialState::kFailed : TrialState::kRunning, std::nullopt});
    }
    other.prior.push_back({all[0], TrialState::kCompleted, -100.0});
    for (int n : {1, 3}) {
      auto a = Random(11)->Suggest(h, n);
      auto b = Random(11)->Suggest(other, n);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->size(), static_cast<std::size_t>(n));
      for (int j = 0; j < n && k + j < 30; ++j) {
        EXPECT_EQ((*a)[j], all[k + j]) << "trial " << k + j;
        EXPECT_EQ((*b)[j], all[k + j]) << "trial " << k + j;
      }
    }
  }
}

TEST(RandomSearcherTest, SuggestionsDecodeTheSharedUnitPoints) {
  SearchSpace space = MixedSpace();
  std::vector<Params> all = Draw(3, 10);
  for (int i = 0; i < 10; ++i) {
    std::vector<double> u = RandomUnitPoint(space.dims(), 3, i);
    ASSERT_EQ(u.size(), space.dims());
    for (double v : u) {
      EXPECT_GE(v, 0.0);
      EXPECT_LT(v, 1.0);
    }
    EXPECT_EQ(space.Decode(u), all[i]);
  }
}

TEST(RandomSearcherTest, NonPositiveCountSuggestsNothing) {
  EXPECT_TRUE(Draw(1, 0).empty());
  EXPECT_TRUE(Draw(1, -3).empty());
}

TEST(RandomSearcherTest, SuggestionsLieInsideTheSpace) {
  SearchSpace space = MixedSpace();
  for (const Params& p : Draw(8, 2000)) ASSERT_TRUE(space.Validate(p).ok()) << space.Validate(p).ToString();
}

// 20000 draws; a chi-square with k-1 degrees of freedom beyond 40 (k <= 10)
// has probability below 1e-5 for a uniform generator, while one that halves a
// bucket (or misses a value) scores 500 or more.
constexpr int kDraws = 20000;
constexpr double kChiSquareBound = 40;

TEST(RandomSearcherTest, FloatsAreUniform) {
  std::vector<int> buckets(10);
  for (const Params& p : Draw(21, kDraws)) buckets[std::min(9, int(std::get<double>(p.at("x")) * 10))]++;
  EXPECT_LT(ChiSquare(buckets), kChiSquareBound) << ::testing::PrintToString(buckets);
}

TEST(RandomSearcherTest, IntsAndChoicesAreUniformOverTheirValues) {
  std::vector<int> ints(6), choices(3);
  std::map<ParamValue, int> index{{std::string("sgd"), 0}, {std::string("adam"), 1}, {true, 2}};
  for (const Params& p : Draw(22, kDraws)) {
    ints[std::get<std::int64_t>(p.at("n")) - 1]++;
    choices[index.at(p.at("opt"))]++;
  }
  EXPECT_LT(ChiSquare(ints), kChiSquareBound) << ::testing::PrintToString(ints);
  EXPECT_LT(ChiSquare(choices), kChiSquareBound) << ::testing::PrintToString(choices);
}

TEST(RandomSearcherTest, LogParamsAreLogUniform) {
  std::vector<int> decades(4), halves(8);
  for (const Params& p : Draw(23, kDraws)) {
    double e = std::log10(std::get<double>(p.at("lr"))) + 4;  // in [0, 4]
    decades[std::min(3, int(e))]++;
    halves[std::min(7, int(e * 2))]++;
  }
  EXPECT_LT(ChiSquare(decades), kChiSquareBound) << ::testing::PrintToString(decades);
  EXPECT_LT(ChiSquare(halves), kChiSquareBound) << ::testing::PrintToString(halves);
}

TEST(RandomSearcherTest, DimensionsAreUncorrelated) {
  std::vector<Params> all = Draw(24, kDraws);
  double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
  for (const Params& p : all) {
    double x = std::get<double>(p.at("x")), y = std::log10(std::get<double>(p.at("lr")));
    sx += x, sy += y, sxy += x * y, sxx += x * x, syy += y * y;
  }
  const double n = static_cast<double>(all.size());
  double corr =
      (sxy / n - sx / n * sy / n) / std::sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
  EXPECT_LT(std::fabs(corr), 0.04);  // about 5.7 standard errors
}

TEST(RandomSearcherTest, RejectsAnyOption) {
  auto r = MakeRandomSearcher({{"n_initial", std::int64_t{3}}}, MixedSpace(), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "searcher.n_initial");
}

}  // namespace
}  // namespace autotune
