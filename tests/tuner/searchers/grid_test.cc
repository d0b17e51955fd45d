// grid: every point of the cartesian product exactly once, in a seeded order.
#include "tuner/searchers/grid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

namespace autotune {
namespace {

ParamSpec Float(const std::string& name, double low, double high, bool log = false, int grid_points = 0,
                std::vector<double> values = {}) {
  return {name, FloatDist{low, high, log, std::move(values)}, std::nullopt, grid_points};
}
ParamSpec Int(const std::string& name, std::int64_t low, std::int64_t high, bool log = false,
              int grid_points = 0, std::vector<std::int64_t> values = {}) {
  return {name, IntDist{low, high, log, std::move(values)}, std::nullopt, grid_points};
}
ParamSpec Cat(const std::string& name, std::vector<ParamValue> choices) {
  return {name, CategoricalDist{std::move(choices)}, std::nullopt, 0};
}

SearchSpace Space(std::vector<ParamSpec> params) {
  auto s = SearchSpace::Create(std::move(params));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : SearchSpace();
}

std::unique_ptr<Searcher> Grid(const SearchSpace& space, std::uint64_t seed, Options options = {}) {
  auto g = MakeGridSearcher(options, space, seed);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return g.ok() ? std::move(g).value() : nullptr;
}

// Drives the searcher to exhaustion, `batch` suggestions at a time, recording
// every suggestion as a completed trial.
std::vector<Params> RunToEnd(Searcher& s, int batch, History* history) {
  std::vector<Params> all;
  for (int round = 0; round < 100000 && !s.Exhausted(*history); ++round) {
    auto next = s.Suggest(*history, batch);
    EXPECT_TRUE(next.ok());
    if (!next.ok() || next->empty()) break;
    EXPECT_LE(next->size(), static_cast<std::size_t>(batch));
    for (auto& p : *next) {
      history->trials.push_back({p, TrialState::kCompleted, 0.0});
      all.push_back(p);
    }
  }
  return all;
}

std::vector<Params> RunToEnd(Searcher& s, int batch = 7) {
  History h;
  return RunToEnd(s, batch, &h);
}

// 3 choices x int 1..4 with grid_points 4 x float with explicit values.
SearchSpace MixedSpace() {
  return Space({Cat("opt", {std::string("sgd"), std::string("adam"), std::string("lamb")}),
                Int("n", 1, 4, false, 4), Float("x", 0, 1, false, 0, {0.1, 0.5, 0.9})});
}

std::vector<Params> MixedProduct() {
  std::vector<Params> out;
  for (std::int64_t n = 1; n <= 4; ++n)
    for (const char* opt : {"sgd", "adam", "lamb"})
      for (double x : {0.1, 0.5, 0.9}) out.push_back({{"n", n}, {"opt", std::string(opt)}, {"x", x}});
  return out;
}

TEST(GridSearcherTest, CoversTheCartesianProductExactlyOnceThenIsExhausted) {
  SearchSpace space = MixedSpace();
  auto g = Grid(space, 1);
  History h;
  EXPECT_FALSE(g->Exhausted(h));
  std::vector<Params> all = RunToEnd(*g, 5, &h);
  ASSERT_EQ(all.size(), 36u);
  std::vector<Params> product = MixedProduct();
  EXPECT_EQ(std::set<Params>(all.begin(), all.end()), std::set<Params>(product.begin(), product.end()));
  for (const Params& p : all) EXPECT_TRUE(space.Validate(p).ok()) << ToString(p);
  EXPECT_TRUE(g->Exhausted(h));
  auto more = g->Suggest(h, 10);
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty());
}

TEST(GridSearcherTest, SuggestsAtMostWhatRemains) {
  auto g = Grid(MixedSpace(), 3);
  History h;
  for (int i = 0; i < 34; ++i) h.trials.push_back({{}, TrialState::kFailed, std::nullopt});
  EXPECT_EQ(g->Suggest(h, 1)->size(), 1u);
  EXPECT_EQ(g->Suggest(h, 10)->size(), 2u);
  EXPECT_EQ(g->Suggest(h, 0)->size(), 0u);
  EXPECT_FALSE(g->Exhausted(h));
}

// Regression: a negative count used to return the whole remaining grid.
TEST(GridSearcherTest, NegativeCountSuggestsNothing) {
  auto g = Grid(MixedSpace(), 3);
  auto r = g->Suggest(History{}, -1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(GridSearcherTest, OrderIsReproducibleForASeedAndDiffersAcrossSeeds) {
  std::vector<Params> a = RunToEnd(*Grid(MixedSpace(), 42));
  EXPECT_EQ(a, RunToEnd(*Grid(MixedSpace(), 42), 36));
  EXPECT_NE(a, RunToEnd(*Grid(MixedSpace(), 43)));
  EXPECT_NE(a, MixedProduct());  // shuffled by default
}

TEST(GridSearcherTest, PointDependsOnlyOnTheTrialNumber) {
  std::vector<Params> order = RunToEnd(*Grid(MixedSpace(), 9), 36);
  auto g = Grid(MixedSpace(), 9);
  History h;
  for (int i = 0; i < 10; ++i)
    h.trials.push_back({Params{{"other", 1.0}}, TrialState::kRunning, std::nullopt});
  auto next = g->Suggest(h, 3);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, std::vector<Params>(order.begin() + 10, order.begin() + 13));
}

TEST(GridSearcherTest, UnshuffledOrderIsLexicographicLastParamFastest) {
  auto g = Grid(MixedSpace(), 42, {{"shuffle", false}});
  EXPECT_EQ(RunToEnd(*g), MixedProduct());
}

std::vector<ParamValue> AxisOf(const std::vector<Params>& points, const std::string& name) {
  std::set<ParamValue> seen;
  for (const auto& p : points) seen.insert(p.at(name));
  return {seen.begin(), seen.end()};
}

TEST(GridSearcherTest, DefaultGridHasFiveEvenlySpacedPoints) {
  auto pts = RunToEnd(*Grid(Space({Float("x", -1, 1)}), 0));
  EXPECT_EQ(AxisOf(pts, "x"), (std::vector<ParamValue>{-1.0, -0.5, 0.0, 0.5, 1.0}));
}

TEST(GridSearcherTest, PerParamGridPointsOverrideTheSearcherOption) {
  SearchSpace space = Space({Float("x", 0, 1, false, 3), Float("y", 0, 1), Int("n", 0, 100, false, 2)});
  auto pts = RunToEnd(*Grid(space, 0, {{"grid_points", std::int64_t{4}}}));
  EXPECT_EQ(pts.size(), 3u * 4u * 2u);
  EXPECT_EQ(AxisOf(pts, "x"), (std::vector<ParamValue>{0.0, 0.5, 1.0}));
  ASSERT_EQ(AxisOf(pts, "y").size(), 4u);
  EXPECT_NEAR(std::get<double>(AxisOf(pts, "y")[1]), 1.0 / 3, 1e-15);
  EXPECT_EQ(AxisOf(pts, "n"), (std::vector<ParamValue>{std::int64_t{0}, std::int64_t{100}}));
}

TEST(GridSearcherTest, LogParamsAreSpacedOnTheLogScale) {
  SearchSpace space = Space({Float("lr", 1e-4, 1, true), Int("units", 1, 1000, true, 4)});
  auto pts = RunToEnd(*Grid(space, 0));
  std::vector<ParamValue> lr = AxisOf(pts, "lr");
  ASSERT_EQ(lr.size(), 5u);
  EXPECT_EQ(std::get<double>(lr.front()), 1e-4);  // the bounds exactly
  EXPECT_EQ(std::get<double>(lr.back()), 1.0);
  for (int i = 1; i < 4; ++i) EXPECT_NEAR(std::get<double>(lr[i]), std::pow(10.0, i - 4), 1e-15);
  EXPECT_EQ(AxisOf(pts, "units"), (std::vector<ParamValue>{std::int64_t{1}, std::int64_t{10},
                                                           std::int64_t{100}, std::int64_t{1000}}));
}

TEST(GridSearcherTest, IntAxesDeduplicateAndOnePointIsTheMiddle) {
  SearchSpace space =
      Space({Int("n", 1, 3, false, 10), Float("x", 0, 10, false, 1), Float("g", 0.01, 1, true, 1)});
  auto pts = RunToEnd(*Grid(space, 0));
  EXPECT_EQ(AxisOf(pts, "n"), (std::vector<ParamValue>{std::int64_t{1}, std::int64_t{2}, std::int64_t{3}}));
  EXPECT_EQ(AxisOf(pts, "x"), (std::vector<ParamValue>{5.0}));
  ASSERT_EQ(AxisOf(pts, "g").size(), 1u);
  EXPECT_NEAR(std::get<double>(AxisOf(pts, "g")[0]), 0.1, 1e-15);
  EXPECT_EQ(pts.size(), 3u);
}

TEST(GridSearcherTest, ExplicitValuesReplaceGridPointsInAscendingOrder) {
  SearchSpace space =
      Space({Int("n", 0, 100, false, 50, {64, 8, 32}), Float("x", 0, 1, false, 50, {0.3, 0.7})});
  auto pts = RunToEnd(*Grid(space, 0, {{"shuffle", false}}));
  std::vector<Params> expect;
  for (std::int64_t n : {8, 32, 64})
    for (double x : {0.3, 0.7}) expect.push_back({{"n", n}, {"x", x}});
  EXPECT_EQ(pts, expect);
}

// Regression: repeated explicit float values used to give repeated grid points.
TEST(GridSearcherTest, RepeatedExplicitValuesGiveEachPointOnce) {
  SearchSpace space = Space({Float("x", 0, 1, false, 0, {0.5, 0.25, 0.5}), Int("n", 0, 9, false, 0, {3, 3})});
  auto pts = RunToEnd(*Grid(space, 0, {{"shuffle", false}}));
  EXPECT_EQ(pts, (std::vector<Params>{{{"n", std::int64_t{3}}, {"x", 0.25}},
                                      {{"n", std::int64_t{3}}, {"x", 0.5}}}));
}

TEST(GridSearcherTest, TooLargeGridIsRejectedNamingGridPoints) {
  std::vector<ParamSpec> params;
  for (char c = 'a'; c < 'a' + 8; ++c) params.push_back(Float(std::string(1, c), 0, 1));
  SearchSpace space = Space(params);
  auto g = MakeGridSearcher({{"grid_points", std::int64_t{10}}}, space, 0);  // 10^8 points
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().field(), "searcher.grid_points");
  EXPECT_NE(g.status().message().find("100000000"), std::string::npos) << g.status().message();
  EXPECT_TRUE(MakeGridSearcher({{"grid_points", std::int64_t{6}}}, space, 0).ok());  // 6^8 = 1679616
}

TEST(GridSearcherTest, BadOptionsAreRejectedWithTheirName) {
  SearchSpace space = MixedSpace();
  auto field = [&](Options o) {
    auto g = MakeGridSearcher(o, space, 0);
    return g.ok() ? std::string("<accepted>") : g.status().field();
  };
  EXPECT_EQ(field({{"grid_points", std::int64_t{0}}}), "searcher.grid_points");
  EXPECT_EQ(field({{"grid_points", 2.5}}), "searcher.grid_points");
  EXPECT_EQ(field({{"grid_points", std::string("5")}}), "searcher.grid_points");
  EXPECT_EQ(field({{"shuffle", std::int64_t{1}}}), "searcher.shuffle");
  EXPECT_EQ(field({{"suffle", false}}), "searcher.suffle");
  EXPECT_EQ(field({{"grid_points", std::int64_t{3}}, {"shuffle", true}}), "<accepted>");
}

// Regression (issue 12): a grid over an int range up to INT64_MAX yielded
// INT64_MIN or dropped the top value, ranges ~800 wide near INT64_MAX
// collapsed to one value, and a float range of +-1.7e308 gave inf.
TEST(GridSearcherTest, IntGridsReachBothEndsOfInt64) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  auto full = AxisOf(RunToEnd(*Grid(Space({Int("n", kMin, kMax)}), 0)), "n");
  // The middle of [INT64_MIN, INT64_MAX] is -0.5, rounded away from zero like llround.
  EXPECT_EQ(full, (std::vector<ParamValue>{kMin, -(std::int64_t{1} << 62), std::int64_t{-1},
                                           (std::int64_t{1} << 62) - 1, kMax}));
  auto top = AxisOf(RunToEnd(*Grid(Space({Int("n", kMax - 800, kMax)}), 0)), "n");
  EXPECT_EQ(top, (std::vector<ParamValue>{kMax - 800, kMax - 600, kMax - 400, kMax - 200, kMax}));
  auto bottom = AxisOf(RunToEnd(*Grid(Space({Int("n", kMin, kMin + 2)}), 0)), "n");
  EXPECT_EQ(bottom, (std::vector<ParamValue>{kMin, kMin + 1, kMin + 2}));
  auto log_top = AxisOf(RunToEnd(*Grid(Space({Int("n", kMax - 800, kMax, true)}), 0)), "n");
  EXPECT_EQ(log_top.size(), 5u);
  EXPECT_EQ(log_top.front(), ParamValue(kMax - 800));
  EXPECT_EQ(log_top.back(), ParamValue(kMax));
  auto log_wide = AxisOf(RunToEnd(*Grid(Space({Int("n", 1, kMax, true, 3)}), 0)), "n");
  EXPECT_EQ(log_wide.size(), 3u);
  EXPECT_EQ(log_wide.back(), ParamValue(kMax));
}

TEST(GridSearcherTest, FloatGridsWiderThanADoubleAreFinite) {
  constexpr double kBig = std::numeric_limits<double>::max();
  auto wide = AxisOf(RunToEnd(*Grid(Space({Float("x", -1.7e308, 1.7e308, false, 3)}), 0)), "x");
  EXPECT_EQ(wide, (std::vector<ParamValue>{-1.7e308, 0.0, 1.7e308}));
  for (int points : {1, 2, 5, 100}) {
    for (const ParamSpec& p : {Float("x", -kBig, kBig, false, points), Float("x", 1e300, kBig, false, points),
                               Float("x", 1e-300, kBig, true, points)}) {
      for (const ParamValue& v : AxisOf(RunToEnd(*Grid(Space({p}), 0)), "x")) {
        const double x = std::get<double>(v);
        EXPECT_TRUE(std::isfinite(x) && x >= std::get<FloatDist>(p.dist).low &&
                    x <= std::get<FloatDist>(p.dist).high)
            << points << " points: " << x;
      }
    }
  }
}

}  // namespace
}  // namespace autotune
