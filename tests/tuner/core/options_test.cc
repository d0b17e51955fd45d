// OptionReader: defaults, type and range errors naming "<prefix>.<option>",
// and Finish() rejecting options nobody read.
#include "tuner/core/options.h"

#include <gtest/gtest.h>

#include <cmath>

namespace autotune {
namespace {

TEST(OptionReaderTest, AbsentOptionsGiveDefaults) {
  Options none;
  OptionReader r(none);
  EXPECT_EQ(r.Double("gamma", 0.25, 0, 1), 0.25);
  EXPECT_EQ(r.Int("n_initial", 8, 1, 100), 8);
  EXPECT_TRUE(r.Bool("multivariate", true));
  EXPECT_EQ(r.String("kernel", "matern52", {"matern52", "rbf"}), "matern52");
  EXPECT_TRUE(r.status().ok());
  EXPECT_TRUE(r.Finish().ok());
}

TEST(OptionReaderTest, PresentOptionsGiveTheirValues) {
  Options o{{"gamma", 0.5},
            {"xi", std::int64_t{2}},
            {"n_initial", std::int64_t{3}},
            {"multivariate", false},
            {"kernel", std::string("rbf")}};
  OptionReader r(o);
  EXPECT_EQ(r.Double("gamma", 0.25, 0, 1), 0.5);
  EXPECT_EQ(r.Double("xi", 0.1, 0, 10), 2.0);  // an integer is a number
  EXPECT_EQ(r.Int("n_initial", 8, 1, 100), 3);
  EXPECT_FALSE(r.Bool("multivariate", true));
  EXPECT_EQ(r.String("kernel", "matern52", {"matern52", "rbf"}), "rbf");
  EXPECT_TRUE(r.Finish().ok());
}

TEST(OptionReaderTest, BoundsAreInclusive) {
  Options o{{"a", 0.0}, {"b", 1.0}, {"c", std::int64_t{1}}, {"d", std::int64_t{100}}};
  OptionReader r(o);
  EXPECT_EQ(r.Double("a", 0.5, 0, 1), 0.0);
  EXPECT_EQ(r.Double("b", 0.5, 0, 1), 1.0);
  EXPECT_EQ(r.Int("c", 5, 1, 100), 1);
  EXPECT_EQ(r.Int("d", 5, 1, 100), 100);
  EXPECT_TRUE(r.Finish().ok());
}

// Reads one option with `read` and returns the reader's error.
template <typename Read>
Status ErrorOf(const Options& o, Read read) {
  OptionReader r(o);
  read(r);
  return r.Finish();
}

TEST(OptionReaderTest, RangeErrorsNameTheOptionAndTheRange) {
  Status d = ErrorOf({{"gamma", 1.5}}, [](OptionReader& r) { r.Double("gamma", 0.25, 0, 1); });
  EXPECT_EQ(d.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(d.field(), "searcher.gamma");
  EXPECT_EQ(d.message(), "must lie in [0, 1]");
  Status nan = ErrorOf({{"gamma", std::nan("")}}, [](OptionReader& r) { r.Double("gamma", 0.25, 0, 1); });
  EXPECT_EQ(nan.field(), "searcher.gamma");
  Status i =
      ErrorOf({{"n_initial", std::int64_t{0}}}, [](OptionReader& r) { r.Int("n_initial", 8, 1, 100); });
  EXPECT_EQ(i.field(), "searcher.n_initial");
  EXPECT_EQ(i.message(), "must lie in [1, 100]");
  Status big =
      ErrorOf({{"n_initial", std::int64_t{101}}}, [](OptionReader& r) { r.Int("n_initial", 8, 1, 100); });
  EXPECT_EQ(big.field(), "searcher.n_initial");
}

TEST(OptionReaderTest, TypeErrorsNameTheOption) {
  auto dbl = [](OptionReader& r) { r.Double("x", 0, 0, 1); };
  EXPECT_EQ(ErrorOf({{"x", true}}, dbl).field(), "searcher.x");
  EXPECT_EQ(ErrorOf({{"x", std::string("0.5")}}, dbl).message(), "must be a number");
  auto integer = [](OptionReader& r) { r.Int("x", 0, 0, 10); };
  EXPECT_EQ(ErrorOf({{"x", 2.0}}, integer).message(), "must be an integer");
  EXPECT_EQ(ErrorOf({{"x", 2.5}}, integer).field(), "searcher.x");
  EXPECT_EQ(ErrorOf({{"x", false}}, integer).field(), "searcher.x");
  auto boolean = [](OptionReader& r) { r.Bool("x", false); };
  EXPECT_EQ(ErrorOf({{"x", std::int64_t{1}}}, boolean).message(), "must be true or false");
  EXPECT_EQ(ErrorOf({{"x", std::string("true")}}, boolean).field(), "searcher.x");
  auto str = [](OptionReader& r) { r.String("x", "a", {"a", "b"}); };
  EXPECT_EQ(ErrorOf({{"x", std::string("c")}}, str).message(), "must be one of: a, b");
  EXPECT_EQ(ErrorOf({{"x", std::int64_t{1}}}, str).field(), "searcher.x");
}

TEST(OptionReaderTest, AnErrorReturnsTheDefault) {
  Options o{{"x", 7.0}, {"n", std::string("3")}};
  OptionReader r(o);
  EXPECT_EQ(r.Double("x", 0.5, 0, 1), 0.5);
  EXPECT_EQ(r.Int("n", 4, 0, 10), 4);
}

TEST(OptionReaderTest, TheFirstErrorIsKept) {
  Options o{{"a", -1.0}, {"b", std::int64_t{-1}}};
  OptionReader r(o);
  r.Int("b", 0, 0, 1);
  r.Double("a", 0, 0, 1);
  EXPECT_EQ(r.status().field(), "searcher.b");
  EXPECT_EQ(r.Finish().field(), "searcher.b");
}

TEST(OptionReaderTest, FinishRejectsOptionsThatWereNeverRead) {
  Options o{{"grid_points", std::int64_t{3}}, {"shufle", true}};
  OptionReader r(o);
  r.Int("grid_points", 5, 1, 100);
  r.Bool("shuffle", true);
  Status s = r.Finish();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "searcher.shufle");
  EXPECT_EQ(s.message(), "is not an option of this algorithm");
  // Reading an option counts even when it is later found invalid.
  Options bad{{"n", std::int64_t{50}}};
  OptionReader r2(bad);
  r2.Int("n", 1, 1, 10);
  EXPECT_EQ(r2.Finish().field(), "searcher.n");
  EXPECT_EQ(r2.Finish().message(), "must lie in [1, 10]");
}

TEST(OptionReaderTest, PrefixNamesTheSection) {
  Options o{{"population", std::int64_t{0}}, {"extra", true}};
  OptionReader r(o, "scheduler");
  r.Int("population", 8, 2, 1000);
  EXPECT_EQ(r.Finish().field(), "scheduler.population");
  OptionReader r2(o, "scheduler");
  r2.Int("population", 8, 0, 1000);
  EXPECT_EQ(r2.Finish().field(), "scheduler.extra");
}

}  // namespace
}  // namespace autotune
