// SearchSpace at the edges of its types (issue 12): int ranges reaching
// INT64_MIN and INT64_MAX, narrow int ranges a double cannot resolve, float
// ranges whose width overflows a double, and the rule for categorical choices.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "tuner/core/space.h"

namespace autotune {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr double kDblMax = std::numeric_limits<double>::max();

SearchSpace One(Distribution dist) {
  auto s = SearchSpace::Create({ParamSpec{"v", std::move(dist), std::nullopt, 0}});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : SearchSpace();
}

std::int64_t DecodeInt(const SearchSpace& s, double u) {
  return std::get<std::int64_t>(s.Decode({u}).at("v"));
}
double DecodeFloat(const SearchSpace& s, double u) { return std::get<double>(s.Decode({u}).at("v")); }

TEST(SpaceEdgesTest, FullInt64RangeDecodesInBoundsFromEndToEnd) {
  SearchSpace s = One(IntDist{kMin, kMax, false, {}});
  EXPECT_EQ(DecodeInt(s, 0), kMin);
  EXPECT_EQ(DecodeInt(s, 1), kMax);  // was INT64_MIN clamped to low: the top was lost
  EXPECT_EQ(DecodeInt(s, 0.5), 0);
  EXPECT_EQ(DecodeInt(s, 0.75), std::int64_t{1} << 62);
  for (double u = 0; u <= 1; u += 1.0 / 64) {
    const std::int64_t v = DecodeInt(s, u);
    EXPECT_NEAR(s.Encode({{"v", v}})[0], u, 1e-15) << v;
  }
  EXPECT_EQ(s.Cardinality(0), SearchSpace::kMaxCardinality);
}

TEST(SpaceEdgesTest, NarrowRangesAtTheInt64EndsKeepEveryValue) {
  for (const IntDist& d : {IntDist{kMax - 800, kMax, false, {}}, IntDist{kMin, kMin + 800, false, {}},
                           IntDist{kMax - 800, kMax, true, {}}}) {
    SearchSpace s = One(d);
    EXPECT_EQ(s.Cardinality(0), 801);
    std::set<std::int64_t> seen;
    for (std::int64_t k = 0; k <= 800; ++k) {
      const std::int64_t want = d.low + k;
      const double u = s.Encode({{"v", want}})[0];
      ASSERT_EQ(DecodeInt(s, u), want) << "log " << d.log << " k " << k;  // collapsed to one value before
      seen.insert(want);
    }
    EXPECT_EQ(seen.size(), 801u);
    EXPECT_EQ(DecodeInt(s, 0), d.low);
    EXPECT_EQ(DecodeInt(s, 1), d.high);
  }
}

TEST(SpaceEdgesTest, LogIntUpToInt64MaxStaysInBounds) {
  SearchSpace s = One(IntDist{1, kMax, true, {}});
  EXPECT_EQ(DecodeInt(s, 0), 1);
  EXPECT_EQ(DecodeInt(s, 1), kMax);
  std::int64_t last = 0;
  for (double u = 0; u <= 1; u += 1.0 / 256) {
    const std::int64_t v = DecodeInt(s, u);
    EXPECT_GE(v, last) << u;  // monotone, never wrapping to negative
    last = v;
  }
}

TEST(SpaceEdgesTest, FloatRangesWiderThanADoubleDecodeToFiniteValues) {
  for (const FloatDist& d :
       {FloatDist{-1.7e308, 1.7e308, false, {}}, FloatDist{-kDblMax, kDblMax, false, {}}}) {
    SearchSpace s = One(d);
    EXPECT_EQ(DecodeFloat(s, 0), d.low);
    EXPECT_EQ(DecodeFloat(s, 1), d.high);
    EXPECT_EQ(DecodeFloat(s, 0.5), 0.0);
    EXPECT_DOUBLE_EQ(DecodeFloat(s, 0.25), d.low / 2);
    for (double u = 0; u <= 1; u += 1.0 / 64) {
      const double v = DecodeFloat(s, u);
      ASSERT_TRUE(std::isfinite(v)) << u;
      EXPECT_NEAR(s.Encode({{"v", v}})[0], u, 1e-12);  // every value encoded to 0 before
    }
  }
}

TEST(SpaceEdgesTest, ChoicesRepeatWhenTheyAreTheSameJsonValue) {
  for (const std::vector<ParamValue>& choices :
       {std::vector<ParamValue>{std::int64_t{1}, 1.0}, std::vector<ParamValue>{0.0, -0.0},
        std::vector<ParamValue>{std::int64_t{kMin}, -0x1p63}}) {
    auto s = SearchSpace::Create({ParamSpec{"c", CategoricalDist{choices}, std::nullopt, 0}});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().field(), "space.c.choices");
  }
  auto distinct = SearchSpace::Create({ParamSpec{
      "c", CategoricalDist{{std::int64_t{1}, true, std::string("1"), 1.5, 0x1p63}}, std::nullopt, 0}});
  EXPECT_TRUE(distinct.ok()) << distinct.status().ToString();
  // Encode finds a choice by JSON value too.
  EXPECT_EQ(distinct->Encode({{"c", 1.0}})[0], 0.1);
}

}  // namespace
}  // namespace autotune
