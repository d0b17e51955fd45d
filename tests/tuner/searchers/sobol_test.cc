#include "tuner/searchers/sobol.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "tuner/searchers/random.h"

namespace autotune {
namespace {

std::vector<std::vector<double>> FirstPoints(std::size_t dims, std::uint64_t seed, std::size_t n) {
  SobolSequence s(dims, seed);
  std::vector<std::vector<double>> pts;
  for (std::size_t i = 0; i < n; ++i) pts.push_back(s.Point(i));
  return pts;
}

// Squared L2-star discrepancy (Warnock's formula).
double L2StarDiscrepancySq(const std::vector<std::vector<double>>& pts) {
  const double n = static_cast<double>(pts.size());
  const std::size_t d = pts[0].size();
  double a = 0, b = 0;
  for (const auto& x : pts) {
    double p = 1;
    for (double v : x) p *= (1 - v * v);
    a += p;
    for (const auto& y : pts) {
      double q = 1;
      for (std::size_t k = 0; k < d; ++k) q *= 1 - std::max(x[k], y[k]);
      b += q;
    }
  }
  return std::pow(3.0, -static_cast<double>(d)) - std::pow(2.0, 1.0 - d) / n * a + b / (n * n);
}

TEST(SobolSequenceTest, SameSeedGivesSamePoints) {
  EXPECT_EQ(FirstPoints(5, 42, 64), FirstPoints(5, 42, 64));
}

TEST(SobolSequenceTest, DifferentSeedsGiveDifferentPoints) {
  auto a = FirstPoints(3, 1, 16), b = FirstPoints(3, 2, 16);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NE(a[i], b[i]) << "point " << i;
}

TEST(SobolSequenceTest, PointsLieInHalfOpenUnitCube) {
  for (std::uint64_t seed : {0ULL, 7ULL, 123456789ULL}) {
    for (const auto& x : FirstPoints(45, seed, 512)) {
      for (double v : x) {
        EXPECT_GE(v, 0.0);
        EXPECT_LT(v, 1.0);
      }
    }
  }
}

TEST(SobolSequenceTest, FirstPowerOfTwoPointsFillEachSquareOfA2dGridOnce) {
  for (std::uint64_t seed : {0ULL, 3ULL, 99ULL}) {
    for (int k = 2; k <= 10; k += 2) {
      const int n = 1 << k, side = 1 << (k / 2);
      std::set<std::pair<int, int>> cells;
      for (const auto& x : FirstPoints(2, seed, n)) {
        cells.insert({static_cast<int>(x[0] * side), static_cast<int>(x[1] * side)});
      }
      EXPECT_EQ(cells.size(), static_cast<std::size_t>(n)) << "seed " << seed << " k " << k;
    }
  }
}

TEST(SobolSequenceTest, FirstPowerOfTwoPointsFillEachSliceOfEveryTableDimensionOnce) {
  const int n = 256;
  auto pts = FirstPoints(kSobolTableDims, 5, n);
  for (std::size_t j = 0; j < kSobolTableDims; ++j) {
    std::set<int> slices;
    for (const auto& x : pts) slices.insert(static_cast<int>(x[j] * n));
    EXPECT_EQ(slices.size(), static_cast<std::size_t>(n)) << "dimension " << j;
  }
}

TEST(SobolSequenceTest, HasLowerDiscrepancyThanRandomPoints) {
  const std::size_t n = 256, d = 4;
  double sobol = 0, random = 0;
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    sobol += L2StarDiscrepancySq(FirstPoints(d, seed, n));
    std::vector<std::vector<double>> r;
    for (std::size_t i = 0; i < n; ++i) r.push_back(RandomUnitPoint(d, seed, i));
    random += L2StarDiscrepancySq(r);
  }
  EXPECT_LT(sobol, 0.25 * random);
}

SearchSpace MixedSpace() {
  return SearchSpace::Create({{"lr", FloatDist{1e-5, 1, true, {}}, {}, 0},
                              {"depth", IntDist{1, 8, false, {}}, {}, 0},
                              {"opt", CategoricalDist{{std::string("sgd"), std::string("adam")}}, {}, 0}})
      .value();
}

TEST(SobolSearcherTest, TrialNumberSelectsThePointWhateverCameBefore) {
  auto space = MixedSpace();
  auto a = MakeSobolSearcher({}, space, 11).value();
  History h;
  auto batch = a->Suggest(h, 6).value();
  ASSERT_EQ(batch.size(), 6u);
  h.trials.resize(4);  // four trials exist, in any state
  auto b = MakeSobolSearcher({}, space, 11).value();
  auto next = b->Suggest(h, 2).value();
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0], batch[4]);
  EXPECT_EQ(next[1], batch[5]);
  for (const auto& p : batch) EXPECT_TRUE(space.Validate(p).ok()) << ToString(p);
}

TEST(SobolSearcherTest, SkipStartsLaterInTheSequence) {
  auto space = MixedSpace();
  auto plain = MakeSobolSearcher({}, space, 3).value()->Suggest({}, 8).value();
  auto skipped = MakeSobolSearcher({{"skip", std::int64_t{5}}}, space, 3).value()->Suggest({}, 3).value();
  ASSERT_EQ(skipped.size(), 3u);
  EXPECT_EQ(skipped[0], plain[5]);
  EXPECT_EQ(skipped[2], plain[7]);
}

TEST(SobolSearcherTest, RejectsUnknownAndInvalidOptions) {
  auto space = MixedSpace();
  auto unknown = MakeSobolSearcher({{"n_initial", std::int64_t{3}}}, space, 0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().field(), "searcher.n_initial");
  auto negative = MakeSobolSearcher({{"skip", std::int64_t{-1}}}, space, 0);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().field(), "searcher.skip");
}

}  // namespace
}  // namespace autotune
