// MakeSearcher: the one map from searcher.algorithm names to searchers.
#include <gtest/gtest.h>

#include "tuner/searchers/searcher.h"

namespace autotune {
namespace {

SearchSpace Space() {
  auto s =
      SearchSpace::Create({{"x", FloatDist{-1, 1, false, {}}, std::nullopt, 0},
                           {"n", IntDist{1, 3, false, {}}, std::nullopt, 0},
                           {"c", CategoricalDist{{std::string("a"), std::string("b")}}, std::nullopt, 0}});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : SearchSpace();
}

TEST(RegistryTest, UnknownAlgorithmNamesSearcherAlgorithm) {
  for (const char* name : {"bayes", "", "Random", "GRID", "random "}) {
    auto s = MakeSearcher({name, {}}, Space(), 0);
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(s.status().field(), "searcher.algorithm");
    EXPECT_NE(s.status().message().find(std::string("'") + name + "'"), std::string::npos)
        << s.status().message();
  }
}

TEST(RegistryTest, RegisteredAlgorithmsBuildAndSuggestValidParams) {
  SearchSpace space = Space();
  for (const char* name : {"auto", "grid", "random", "sobol", "tpe", "gp"}) {
    auto s = MakeSearcher({name, {}}, space, 7);
    ASSERT_TRUE(s.ok()) << name << ": " << s.status().ToString();
    auto p = (*s)->Suggest(History{}, 2);
    ASSERT_TRUE(p.ok()) << name << ": " << p.status().ToString();
    ASSERT_EQ(p->size(), 2u) << name;
    for (const Params& x : *p) EXPECT_TRUE(space.Validate(x).ok()) << name << ": " << ToString(x);
  }
}

TEST(RegistryTest, UnknownOptionNamesTheOption) {
  for (const char* name : {"auto", "grid", "random", "sobol", "tpe", "gp"}) {
    auto s = MakeSearcher({name, {{"no_such_option", std::int64_t{1}}}}, Space(), 0);
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.status().field(), "searcher.no_such_option") << name;
  }
}

TEST(RegistryTest, OptionsReachTheSearcher) {
  auto s = MakeSearcher({"grid", {{"shuffle", false}, {"grid_points", std::int64_t{2}}}}, Space(), 0);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto p = (*s)->Suggest(History{}, 100);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 2u * 2u * 2u);  // c: 2 choices, n: 1 and 3, x: -1 and 1
  EXPECT_EQ(p->front(), (Params{{"c", std::string("a")}, {"n", std::int64_t{1}}, {"x", -1.0}}));
  EXPECT_EQ(p->back(), (Params{{"c", std::string("b")}, {"n", std::int64_t{3}}, {"x", 1.0}}));
  auto bad = MakeSearcher({"grid", {{"grid_points", std::int64_t{0}}}}, Space(), 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "searcher.grid_points");
}

}  // namespace
}  // namespace autotune
