// Params and metrics to and from JSON text, and the text renderings of values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "tuner/core/params.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

Params RoundTrip(const Params& p) {
  auto r = ParamsFromJson(ParamsToJson(p));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Params{};
}

TEST(ParamsJsonTest, DoublesRoundTripExactly) {
  const double denorm = std::numeric_limits<double>::denorm_min();
  for (double v : {0.1, 1e-300, -2.5e-7, 1.0 / 3, 2.0, 0.0, -0.0, 1e300, 123456789.123456789, denorm,
                   std::numeric_limits<double>::max(), std::nextafter(1.0, 2.0)}) {
    Params back = RoundTrip({{"v", v}});
    ASSERT_TRUE(std::holds_alternative<double>(back.at("v"))) << v;  // 2.0 stays a double
    double got = std::get<double>(back.at("v"));
    EXPECT_EQ(got, v) << v;
    EXPECT_EQ(std::signbit(got), std::signbit(v)) << v;
  }
}

TEST(ParamsJsonTest, IntsRoundTripExactlyIncludingBeyondDoublePrecision) {
  const std::int64_t two53 = std::int64_t{1} << 53;
  for (std::int64_t v :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{42}, two53 - 1, two53, two53 + 1, -two53 - 1,
        std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    Params back = RoundTrip({{"n", v}});
    ASSERT_TRUE(std::holds_alternative<std::int64_t>(back.at("n"))) << v;
    EXPECT_EQ(std::get<std::int64_t>(back.at("n")), v);
  }
}

TEST(ParamsJsonTest, BoolsAndUnicodeStringsRoundTrip) {
  Params p = {{"t", true},
              {"f", false},
              {"greek", std::string("\xce\xbb-\xce\xb1")},       // λ-α
              {"cjk", std::string("\xe5\xad\xa6\xe7\xbf\x92")},  // 学习
              {"emoji", std::string("\xf0\x9f\x9a\x80")},        // U+1F680
              {"escapes", std::string("a\"b\\c\n\t\x01/")},
              {"empty", std::string()},
              {"looks like a number", std::string("1.5")},
              {"\xc3\xa9t\xc3\xa9", std::string("key with unicode")}};
  EXPECT_EQ(RoundTrip(p), p);
  EXPECT_EQ(RoundTrip({}), Params{});
}

TEST(ParamsJsonTest, MixedParamsRoundTripWithTheirTypes) {
  Params p = {{"lr", 0.001}, {"depth", std::int64_t{12}}, {"opt", std::string("adam")}, {"bn", true}};
  EXPECT_EQ(RoundTrip(p), p);
  EXPECT_EQ(ParamsToJson(p), R"({"bn":true,"depth":12,"lr":0.001,"opt":"adam"})");
}

TEST(ParamsJsonTest, FromJsonRejectsNonObjectsAndNonScalars) {
  for (const char* text : {"", "{", "[1]", "3", "null", "\"a\""}) {
    auto r = ParamsFromJson(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().field(), "params") << text;
  }
  for (const char* text : {R"({"a": [1]})", R"({"a": {"b": 1}})", R"({"a": null})"}) {
    auto r = ParamsFromJson(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().field(), "params.a") << text;
  }
}

TEST(MetricsJsonTest, RoundTripsExactly) {
  Metrics m = {{"loss", 0.1}, {"acc", 1.0}, {"tiny", 1e-300}, {"neg", -3.25}};
  auto back = MetricsFromJson(MetricsToJson(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
}

TEST(MetricsJsonTest, IntegersBecomeDoubles) {
  auto m = MetricsFromJson(R"({"step": 120, "val_acc": 0.83})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (Metrics{{"step", 120.0}, {"val_acc", 0.83}}));
}

TEST(MetricsJsonTest, RejectsNonNumbers) {
  for (const char* text : {R"({"acc": "0.9"})", R"({"acc": true})", R"({"acc": null})", R"({"acc": [0.9]})",
                           R"({"acc": {"v": 1}})"}) {
    auto r = MetricsFromJson(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().field(), "metrics.acc") << text;
  }
  for (const char* text : {"", "[1]", "0.5", "{"}) {
    auto r = MetricsFromJson(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().field(), "metrics") << text;
  }
}

TEST(ParamValueTest, AsNumberViewsNumbersAndBools) {
  double x = -1;
  EXPECT_TRUE(AsNumber(ParamValue(2.5), &x));
  EXPECT_EQ(x, 2.5);
  EXPECT_TRUE(AsNumber(ParamValue(std::int64_t{-7}), &x));
  EXPECT_EQ(x, -7.0);
  EXPECT_TRUE(AsNumber(ParamValue(true), &x));
  EXPECT_EQ(x, 1.0);
  EXPECT_TRUE(AsNumber(ParamValue(false), &x));
  EXPECT_EQ(x, 0.0);
  x = 9;
  EXPECT_FALSE(AsNumber(ParamValue(std::string("3")), &x));
  EXPECT_EQ(x, 9.0);
}

TEST(ParamValueTest, ToStringRendersValuesAndParams) {
  EXPECT_EQ(ToString(ParamValue(0.001)), "0.001");
  EXPECT_EQ(ToString(ParamValue(1.0 / 3)), "0.333333");
  EXPECT_EQ(ToString(ParamValue(std::int64_t{12})), "12");
  EXPECT_EQ(ToString(ParamValue(true)), "true");
  EXPECT_EQ(ToString(ParamValue(std::string("adam"))), "adam");
  EXPECT_EQ(ToString(Params{{"opt", std::string("adam")}, {"lr", 0.001}}), "lr=0.001 opt=adam");
  EXPECT_EQ(ToString(Params{}), "");
}

}  // namespace
}  // namespace autotune
