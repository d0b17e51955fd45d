// SearchSpace: validation with field paths, the unit-cube encoding and
// decoding, and Validate of param sets.
#include "tuner/core/space.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>

namespace autotune {
namespace {

ParamSpec Float(const std::string& name, double low, double high, bool log = false) {
  return {name, FloatDist{low, high, log, {}}, std::nullopt, 0};
}
ParamSpec Int(const std::string& name, std::int64_t low, std::int64_t high, bool log = false) {
  return {name, IntDist{low, high, log, {}}, std::nullopt, 0};
}
ParamSpec Cat(const std::string& name, std::vector<ParamValue> choices) {
  return {name, CategoricalDist{std::move(choices)}, std::nullopt, 0};
}

// The error of creating a space from params; fails the test if it succeeds.
Status CreateError(std::vector<ParamSpec> params) {
  auto s = SearchSpace::Create(std::move(params));
  EXPECT_FALSE(s.ok()) << "expected an error";
  return s.status();
}

SearchSpace MustCreate(std::vector<ParamSpec> params) {
  auto s = SearchSpace::Create(std::move(params));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : SearchSpace();
}

TEST(SearchSpaceCreateTest, LogFloatWithNonPositiveLowNamesLow) {
  Status s = CreateError({Float("lr", 0, 1, true)});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "space.lr.low");
  EXPECT_EQ(s.message(), "must be > 0 for a log scale");
  EXPECT_EQ(CreateError({Float("lr", -1, 1, true)}).field(), "space.lr.low");
}

TEST(SearchSpaceCreateTest, LogIntWithNonPositiveLowNamesLow) {
  Status s = CreateError({Int("units", 0, 64, true)});
  EXPECT_EQ(s.field(), "space.units.low");
  EXPECT_EQ(s.message(), "must be > 0 for a log scale");
}

TEST(SearchSpaceCreateTest, LowNotBelowHighNamesHigh) {
  EXPECT_EQ(CreateError({Float("x", 1, 1)}).field(), "space.x.high");
  EXPECT_EQ(CreateError({Float("x", 2, 1)}).field(), "space.x.high");
  EXPECT_EQ(CreateError({Int("n", 5, 5)}).field(), "space.n.high");
  EXPECT_EQ(CreateError({Int("n", 5, 4)}).field(), "space.n.high");
}

TEST(SearchSpaceCreateTest, NonFiniteFloatBoundsAreRejected) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(CreateError({Float("x", std::nan(""), 1)}).field(), "space.x.low");
  EXPECT_EQ(CreateError({Float("x", 0, inf)}).field(), "space.x.high");
  EXPECT_EQ(CreateError({Float("x", -inf, 0)}).field(), "space.x.low");
}

TEST(SearchSpaceCreateTest, EmptyChoicesAreRejected) {
  Status s = CreateError({Cat("opt", {})});
  EXPECT_EQ(s.field(), "space.opt.choices");
  EXPECT_EQ(s.message(), "must not be empty");
}

TEST(SearchSpaceCreateTest, DuplicateChoicesAreRejected) {
  EXPECT_EQ(CreateError({Cat("opt", {std::string("sgd"), std::string("adam"), std::string("sgd")})}).field(),
            "space.opt.choices");
  EXPECT_EQ(CreateError({Cat("k", {std::int64_t{1}, std::int64_t{1}})}).field(), "space.k.choices");
}

TEST(SearchSpaceCreateTest, ChoicesOfDifferentTypesAreDistinct) {
  // 1, true and "1" are three different JSON values (1.0 would repeat 1: see
  // space_edges_test.cc, ChoicesRepeatWhenTheyAreTheSameJsonValue).
  auto s = SearchSpace::Create({Cat("k", {std::int64_t{1}, 2.5, true, std::string("1")})});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Cardinality(0), 4);
}

TEST(SearchSpaceCreateTest, ExplicitValuesOutsideRangeAreRejected) {
  ParamSpec f = Float("x", 0, 1);
  std::get<FloatDist>(f.dist).values = {0, 0.5, 1.5};
  EXPECT_EQ(CreateError({f}).field(), "space.x.values");
  ParamSpec i = Int("n", 1, 4);
  std::get<IntDist>(i.dist).values = {0, 2};
  EXPECT_EQ(CreateError({i}).field(), "space.n.values");
  std::get<IntDist>(i.dist).values = {1, 4};
  EXPECT_TRUE(SearchSpace::Create({i}).ok());
}

TEST(SearchSpaceCreateTest, InitOutsideRangeOrOfWrongTypeNamesInit) {
  ParamSpec f = Float("x", 0, 1);
  f.init = 2.0;
  EXPECT_EQ(CreateError({f}).field(), "space.x.init");
  f.init = std::string("a");
  EXPECT_EQ(CreateError({f}).field(), "space.x.init");
  ParamSpec i = Int("n", 1, 4);
  i.init = 2.5;
  EXPECT_EQ(CreateError({i}).field(), "space.n.init");
  i.init = std::int64_t{9};
  EXPECT_EQ(CreateError({i}).field(), "space.n.init");
  ParamSpec c = Cat("opt", {std::string("sgd")});
  c.init = std::string("adam");
  EXPECT_EQ(CreateError({c}).field(), "space.opt.init");
  c.init = std::string("sgd");
  f.init = 0.25;
  i.init = std::int64_t{4};
  EXPECT_TRUE(SearchSpace::Create({f, i, c}).ok());
}

TEST(SearchSpaceCreateTest, EmptyDuplicateAndUnnamedParamsAreRejected) {
  EXPECT_EQ(CreateError({}).field(), "space");
  EXPECT_EQ(CreateError({Float("x", 0, 1), Int("x", 0, 3)}).field(), "space.x");
  EXPECT_EQ(CreateError({Float("", 0, 1)}).field(), "space");
  ParamSpec g = Float("x", 0, 1);
  g.grid_points = -1;
  EXPECT_EQ(CreateError({g}).field(), "space.x.grid_points");
}

TEST(SearchSpaceCreateTest, DimensionsAreInNameOrder) {
  SearchSpace s = MustCreate({Float("z", 0, 1), Int("a", 0, 3), Cat("m", {true, false})});
  ASSERT_EQ(s.dims(), 3u);
  EXPECT_EQ(s.params()[0].name, "a");
  EXPECT_EQ(s.params()[1].name, "m");
  EXPECT_EQ(s.params()[2].name, "z");
  EXPECT_FALSE(s.IsCategorical(0));
  EXPECT_TRUE(s.IsCategorical(1));
  EXPECT_EQ(s.Cardinality(0), 4);
  EXPECT_EQ(s.Cardinality(1), 2);
  EXPECT_EQ(s.Cardinality(2), 0);
}

TEST(SearchSpaceEncodeTest, FloatRoundTripsAndIsLinear) {
  SearchSpace s = MustCreate({Float("x", -5, 10)});
  EXPECT_DOUBLE_EQ(s.Encode({{"x", -5.0}})[0], 0.0);
  EXPECT_DOUBLE_EQ(s.Encode({{"x", 10.0}})[0], 1.0);
  EXPECT_DOUBLE_EQ(s.Encode({{"x", 2.5}})[0], 0.5);
  for (double v : {-5.0, -4.99, 0.0, 3.3, 9.999, 10.0}) {
    Params p = s.Decode(s.Encode({{"x", v}}));
    EXPECT_NEAR(std::get<double>(p.at("x")), v, 1e-12) << v;
  }
}

TEST(SearchSpaceEncodeTest, LogFloatRoundTripsAndIsLinearInLog) {
  SearchSpace s = MustCreate({Float("lr", 1e-5, 1, true)});
  EXPECT_NEAR(s.Encode({{"lr", 1e-5}})[0], 0.0, 1e-12);
  EXPECT_NEAR(s.Encode({{"lr", 1e-3}})[0], 0.4, 1e-12);
  EXPECT_NEAR(s.Encode({{"lr", 1.0}})[0], 1.0, 1e-12);
  EXPECT_NEAR(std::get<double>(s.Decode({0.6}).at("lr")), 1e-2, 1e-14);
  for (double v : {1e-5, 3e-5, 1e-4, 0.0123, 0.5, 1.0}) {
    Params p = s.Decode(s.Encode({{"lr", v}}));
    EXPECT_NEAR(std::get<double>(p.at("lr")) / v, 1.0, 1e-12) << v;
  }
}

TEST(SearchSpaceEncodeTest, IntRoundTripsEveryValue) {
  for (bool log : {false, true}) {
    SearchSpace s = MustCreate({Int("n", log ? 1 : -3, 40, log)});
    const auto& d = std::get<IntDist>(s.params()[0].dist);
    for (std::int64_t v = d.low; v <= d.high; ++v) {
      Params p = s.Decode(s.Encode({{"n", v}}));
      ASSERT_TRUE(std::holds_alternative<std::int64_t>(p.at("n")));
      EXPECT_EQ(std::get<std::int64_t>(p.at("n")), v) << "log=" << log;
    }
  }
}

// Decodes a fine grid of the unit interval and counts how much of it each value owns.
std::map<std::int64_t, double> IntCellWidths(const SearchSpace& s, int steps) {
  std::map<std::int64_t, double> width;
  for (int k = 0; k < steps; ++k) {
    double u = (k + 0.5) / steps;
    width[std::get<std::int64_t>(s.Decode({u}).at("n"))] += 1.0 / steps;
  }
  return width;
}

TEST(SearchSpaceEncodeTest, EveryIntValueOwnsAnEqualShareOfTheUnitInterval) {
  for (auto [low, high] : {std::pair<std::int64_t, std::int64_t>{1, 4}, {-3, 3}, {0, 1}, {10, 16}}) {
    SearchSpace s = MustCreate({Int("n", low, high)});
    auto width = IntCellWidths(s, 100000);
    const double n = static_cast<double>(high - low + 1);
    ASSERT_EQ(width.size(), static_cast<std::size_t>(n)) << low << ".." << high;
    EXPECT_EQ(width.begin()->first, low);
    EXPECT_EQ(width.rbegin()->first, high);
    for (auto [v, w] : width) EXPECT_NEAR(w, 1.0 / n, 1e-4) << "value " << v;
    // The encoding of a value is the centre of its cell.
    for (std::int64_t v = low; v <= high; ++v)
      EXPECT_NEAR(s.Encode({{"n", v}})[0], (v - low + 0.5) / n, 1e-12);
  }
}

TEST(SearchSpaceEncodeTest, LogIntReachesEveryValueWithLogWidths) {
  SearchSpace s = MustCreate({Int("n", 1, 8, true)});
  auto width = IntCellWidths(s, 100000);
  ASSERT_EQ(width.size(), 8u);
  const double total = std::log(8.5 / 0.5);
  for (auto [v, w] : width) {
    double expect = std::log((v + 0.5) / (v - 0.5)) / total;
    EXPECT_NEAR(w, expect, 1e-4) << "value " << v;
  }
}

TEST(SearchSpaceEncodeTest, CategoricalRoundTripsBoolStringAndNumberChoices) {
  SearchSpace s = MustCreate({Cat("b", {true, false}),
                              Cat("opt", {std::string("sgd"), std::string("adam"), std::string("lamb")}),
                              Cat("w", {std::int64_t{32}, 0.5, std::int64_t{-1}})});
  std::vector<Params> all;
  for (bool b : {true, false})
    for (const char* o : {"sgd", "adam", "lamb"})
      for (ParamValue w : {ParamValue(std::int64_t{32}), ParamValue(0.5), ParamValue(std::int64_t{-1})})
        all.push_back({{"b", b}, {"opt", std::string(o)}, {"w", w}});
  for (const Params& p : all) {
    std::vector<double> u = s.Encode(p);
    EXPECT_EQ(s.Decode(u), p);
  }
  // Choice i of k is encoded at the centre of [i/k, (i+1)/k).
  std::vector<double> u = s.Encode({{"b", false}, {"opt", std::string("lamb")}, {"w", std::int64_t{32}}});
  EXPECT_DOUBLE_EQ(u[0], 0.75);
  EXPECT_DOUBLE_EQ(u[1], 2.5 / 3);
  EXPECT_DOUBLE_EQ(u[2], 0.5 / 3);
  // Decoding takes floor(u * k).
  EXPECT_EQ(s.Decode({0.49, 0.34, 0.999}).at("b"), ParamValue(true));
  EXPECT_EQ(s.Decode({0.49, 0.34, 0.999}).at("opt"), ParamValue(std::string("adam")));
  EXPECT_EQ(s.Decode({0.49, 0.34, 0.999}).at("w"), ParamValue(std::int64_t{-1}));
}

TEST(SearchSpaceDecodeTest, ClampsOutOfRangeAndNanInputs) {
  SearchSpace s = MustCreate({Float("f", -1, 1), Float("g", 1e-3, 10, true), Int("n", 2, 9),
                              Cat("c", {std::string("a"), std::string("b")})});
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  Params low = s.Decode({-3, -0.5, -inf, -1e9});
  EXPECT_EQ(low.at("f"), ParamValue(-1.0));
  EXPECT_EQ(low.at("g"), ParamValue(1e-3));
  EXPECT_EQ(low.at("n"), ParamValue(std::int64_t{2}));
  EXPECT_EQ(low.at("c"), ParamValue(std::string("a")));
  Params high = s.Decode({7, 1.5, inf, 1e9});
  EXPECT_EQ(high.at("f"), ParamValue(1.0));
  EXPECT_EQ(high.at("g"), ParamValue(10.0));
  EXPECT_EQ(high.at("n"), ParamValue(std::int64_t{9}));
  EXPECT_EQ(high.at("c"), ParamValue(std::string("b")));
  Params from_nan = s.Decode({nan, nan, nan, nan});
  EXPECT_TRUE(s.Validate(from_nan).ok()) << s.Validate(from_nan).ToString();
  EXPECT_EQ(from_nan, low);
  // Exactly 1 decodes to the top value or the last choice, never past it.
  EXPECT_EQ(s.Decode({1, 1, 1, 1}), high);
}

// Regression: exp(log(1e-3)) is 0.0010000000000000002, so the cube's ends used
// to decode to values just inside the bounds instead of the bounds.
TEST(SearchSpaceDecodeTest, LogFloatCubeEndsDecodeToTheExactBounds) {
  for (auto [low, high] : {std::pair{1e-3, 10.0}, {1e-4, 1.0}, {1e-6, 1.0}, {3e-7, 0.7}}) {
    SearchSpace s = MustCreate({Float("lr", low, high, true)});
    EXPECT_EQ(std::get<double>(s.Decode({0.0}).at("lr")), low);
    EXPECT_EQ(std::get<double>(s.Decode({1.0}).at("lr")), high);
  }
}

TEST(SearchSpaceDecodeTest, MissingDimensionsDecodeToTheMiddle) {
  SearchSpace s = MustCreate({Float("a", 0, 10), Float("b", 0, 10)});
  Params p = s.Decode({0.2});
  EXPECT_DOUBLE_EQ(std::get<double>(p.at("a")), 2.0);
  EXPECT_DOUBLE_EQ(std::get<double>(p.at("b")), 5.0);
}

TEST(SearchSpaceDecodeTest, AnyPointDecodesToValidParams) {
  SearchSpace s = MustCreate({Float("f", -1, 1), Float("g", 1e-6, 1, true), Int("n", 1, 3, true),
                              Int("m", -5, 5), Cat("c", {true, std::int64_t{2}, std::string("x")})});
  for (int k = 0; k <= 200; ++k) {
    double u = -0.5 + 2.0 * k / 200;
    Params p = s.Decode({u, 1 - u, u * u, u / 3, 0.5 + u});
    EXPECT_TRUE(s.Validate(p).ok()) << u << ": " << s.Validate(p).ToString();
  }
}

TEST(SearchSpaceValidateTest, AcceptsInRangeParamsOfTheRightTypes) {
  SearchSpace s = MustCreate({Float("f", 0, 1), Int("n", 1, 3), Cat("c", {std::string("a"), true})});
  EXPECT_TRUE(s.Validate({{"f", 0.0}, {"n", std::int64_t{3}}, {"c", true}}).ok());
  // An integral value for a float parameter is a number in range.
  EXPECT_TRUE(s.Validate({{"f", std::int64_t{1}}, {"n", std::int64_t{1}}, {"c", std::string("a")}}).ok());
}

TEST(SearchSpaceValidateTest, RejectsWrongTypes) {
  SearchSpace s =
      MustCreate({Float("f", 0, 1), Int("n", 1, 3), Cat("c", {std::int64_t{1}, std::string("a")})});
  Params ok = {{"f", 0.5}, {"n", std::int64_t{2}}, {"c", std::int64_t{1}}};
  ASSERT_TRUE(s.Validate(ok).ok());
  auto with = [&](const std::string& k, ParamValue v) {
    Params p = ok;
    p[k] = v;
    return s.Validate(p);
  };
  EXPECT_EQ(with("f", std::string("0.5")).field(), "params.f");
  EXPECT_EQ(with("f", true).field(), "params.f");
  EXPECT_EQ(with("n", 2.0).field(), "params.n");
  EXPECT_EQ(with("n", true).field(), "params.n");
  EXPECT_EQ(with("n", std::string("2")).field(), "params.n");
  // A choice must match in type too: 1.0 is not the choice 1.
  EXPECT_EQ(with("c", 1.0).field(), "params.c");
  EXPECT_EQ(with("c", std::string("b")).field(), "params.c");
}

TEST(SearchSpaceValidateTest, RejectsOutOfRangeValues) {
  SearchSpace s = MustCreate({Float("f", 0, 1), Int("n", 1, 3)});
  EXPECT_EQ(s.Validate({{"f", 1.0000001}, {"n", std::int64_t{1}}}).field(), "params.f");
  EXPECT_EQ(s.Validate({{"f", std::nan("")}, {"n", std::int64_t{1}}}).field(), "params.f");
  EXPECT_EQ(s.Validate({{"f", 0.5}, {"n", std::int64_t{0}}}).field(), "params.n");
  EXPECT_EQ(s.Validate({{"f", 0.5}, {"n", std::int64_t{4}}}).field(), "params.n");
}

TEST(SearchSpaceValidateTest, RejectsMissingAndUnknownNames) {
  SearchSpace s = MustCreate({Float("f", 0, 1), Int("n", 1, 3)});
  Status missing = s.Validate({{"f", 0.5}});
  EXPECT_EQ(missing.field(), "params.n");
  EXPECT_EQ(missing.message(), "is missing");
  Status unknown = s.Validate({{"f", 0.5}, {"n", std::int64_t{1}}, {"extra", 1.0}});
  EXPECT_EQ(unknown.field(), "params.extra");
  EXPECT_EQ(unknown.message(), "is not in the search space");
}

}  // namespace
}  // namespace autotune
