// auto: which searcher it picks for each kind of space, budget and
// parallelism, that it suggests exactly what its delegate would, and how it
// hands over from gp to hazero.
#include "tuner/searchers/auto.h"

#include <gtest/gtest.h>

#include <cmath>

namespace autotune {
namespace {

ParamSpec Float(const std::string& name) { return {name, FloatDist{-5, 5, false, {}}, std::nullopt, 0}; }
ParamSpec Int(const std::string& name, std::int64_t high) {
  return {name, IntDist{1, high, false, {}}, std::nullopt, 0};
}
ParamSpec Choice(const std::string& name) {
  return {name, CategoricalDist{{std::string("a"), std::string("b"), std::string("c")}}, std::nullopt, 0};
}

SearchSpace Make(std::vector<ParamSpec> params) {
  auto s = SearchSpace::Create(std::move(params));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : SearchSpace();
}

SearchSpace Floats(int d) {
  std::vector<ParamSpec> p;
  for (int i = 0; i < d; ++i) p.push_back(Float("x" + std::to_string(10 + i)));
  return Make(p);
}

// A completed history of `n` trials from random search on a bowl at 1.
History RandomHistory(const SearchSpace& space, int n) {
  auto random = std::move(MakeSearcher({"random", {}}, space, 3)).value();
  History h;
  for (int i = 0; i < n; ++i) {
    Params p = std::move(random->Suggest(h, 1)).value()[0];
    double loss = 0;
    for (const auto& [name, v] : p) {
      double x = 0;
      if (AsNumber(v, &x)) loss += (x - 1) * (x - 1);
    }
    h.trials.push_back({p, TrialState::kCompleted, loss});
  }
  return h;
}

TEST(AutoTest, FloatSpaceOfThreeOrMoreGetsHazero) {
  const AutoChoice c = ChooseAutoSearcher(Floats(3), 100, 1, 0);
  EXPECT_EQ(c.algorithm, "hazero");
  EXPECT_EQ(c.reason, "3 floats, budget 100, 1 at a time: floats only, 1 of each generation from tpe");
  EXPECT_EQ(c.options, (Options{{"tpe_members", std::int64_t{1}}}));
  EXPECT_EQ(ChooseAutoSearcher(Floats(20), 0, 32, 5000).algorithm, "hazero");
  EXPECT_EQ(ChooseAutoSearcher(Floats(20), 0, 32, 5000).options, c.options);
}

TEST(AutoTest, OneOrTwoFloatsRunGpFirstThenHazero) {
  const AutoChoice early = ChooseAutoSearcher(Floats(2), 100, 1, 49);
  EXPECT_EQ(early.algorithm, "gp");
  EXPECT_EQ(early.reason, "2 floats, budget 100, 1 at a time, hazero from trial 50");
  const AutoChoice late = ChooseAutoSearcher(Floats(2), 100, 1, 50);
  EXPECT_EQ(late.algorithm, "hazero");
  EXPECT_EQ(late.phase_start, 50);
  EXPECT_EQ(ChooseAutoSearcher(Floats(1), 41, 1, 19).algorithm, "gp");
  EXPECT_EQ(ChooseAutoSearcher(Floats(1), 41, 1, 20).algorithm, "hazero");  // half a small budget
  EXPECT_EQ(ChooseAutoSearcher(Floats(2), 1000, 1, 49).algorithm, "gp");    // at most 50 trials
  EXPECT_EQ(ChooseAutoSearcher(Floats(2), 1000, 1, 50).algorithm, "hazero");
  EXPECT_EQ(ChooseAutoSearcher(Floats(2), 0, 1, 49).reason,
            "2 floats, budget unknown, 1 at a time, hazero from trial 50");
  EXPECT_EQ(ChooseAutoSearcher(Floats(2), 0, 1, 50).algorithm, "hazero");
  // A budget of one trial, too parallel for gp, or handover 0 asked for:
  // hazero throughout.
  EXPECT_EQ(ChooseAutoSearcher(Floats(2), 1, 1, 0).algorithm, "hazero");
  EXPECT_EQ(ChooseAutoSearcher(Floats(2), 100, 9, 0).algorithm, "hazero");
  AutoOptions none;
  none.handover = 0;
  EXPECT_EQ(ChooseAutoSearcher(Floats(2), 100, 1, 0, none).algorithm, "hazero");
  EXPECT_EQ(ChooseAutoSearcher(Floats(2), 100, 1, 0, none).reason,
            "2 floats, budget 100, 1 at a time: floats only");
  EXPECT_TRUE(
      ChooseAutoSearcher(Floats(2), 100, 1, 0, none).options.empty());  // no tpe members below 3 floats
}

TEST(AutoTest, IntSpaceLargerThanTheBudgetGetsGp) {
  const AutoChoice c = ChooseAutoSearcher(Make({Int("a", 100), Int("b", 100)}), 100, 1, 0);
  EXPECT_EQ(c.algorithm, "gp");
  EXPECT_EQ(c.reason, "2 ints, budget 100, 1 at a time: ints or categoricals, which gp models exactly");
}

TEST(AutoTest, MixedSpaceGetsGpUnlessTooWideOrTooParallel) {
  const SearchSpace mixed = Make({Float("lr"), Int("depth", 12), Choice("opt")});
  EXPECT_EQ(ChooseAutoSearcher(mixed, 100, 1, 0).algorithm, "gp");
  EXPECT_EQ(ChooseAutoSearcher(mixed, 100, 8, 0).algorithm, "gp");
  const AutoChoice parallel = ChooseAutoSearcher(mixed, 100, 9, 0);
  EXPECT_EQ(parallel.algorithm, "tpe");
  EXPECT_EQ(parallel.reason,
            "1 float, 1 int, 1 categorical, budget 100, 9 in parallel: ints or categoricals, more than 8 in "
            "parallel for gp");
  std::vector<ParamSpec> wide = {Choice("opt")};
  for (int i = 0; i < 12; ++i) wide.push_back(Float("x" + std::to_string(10 + i)));
  EXPECT_EQ(ChooseAutoSearcher(Make(wide), 100, 1, 0).algorithm, "tpe");
}

TEST(AutoTest, DiscreteSpaceThatFitsTheBudgetGetsGrid) {
  const SearchSpace space = Make({Int("a", 5), Choice("c")});  // 15 points
  EXPECT_EQ(ChooseAutoSearcher(space, 15, 1, 0).algorithm, "grid");
  EXPECT_EQ(ChooseAutoSearcher(space, 14, 1, 0).algorithm, "gp");  // one point too many
  EXPECT_EQ(ChooseAutoSearcher(space, 0, 1, 0).algorithm, "gp");   // budget unknown
}

TEST(AutoTest, CategoricalSpaceGetsTpe) {
  const AutoChoice c = ChooseAutoSearcher(Make({Choice("c"), Choice("d")}), 8, 4, 0);
  EXPECT_EQ(c.algorithm, "tpe");
  EXPECT_EQ(c.reason, "2 categoricals, budget 8, 4 in parallel: categorical params only");
}

TEST(AutoTest, HandoverRunsGpFirstWhereGpFits) {
  const SearchSpace space = Floats(3);
  AutoOptions o;
  o.handover = 50;
  EXPECT_EQ(ChooseAutoSearcher(space, 100, 1, 49, o).algorithm, "gp");
  EXPECT_EQ(ChooseAutoSearcher(space, 100, 1, 49, o).reason,
            "3 floats, budget 100, 1 at a time, hazero from trial 50");
  const AutoChoice late = ChooseAutoSearcher(space, 100, 1, 50, o);
  EXPECT_EQ(late.algorithm, "hazero");
  EXPECT_EQ(late.phase_start, 50);
  EXPECT_EQ(late.reason, "3 floats, budget 100, 1 at a time: from trial 50 on, after gp");
  // Too wide or too parallel for gp: hazero throughout.
  EXPECT_EQ(ChooseAutoSearcher(Floats(13), 100, 1, 0, o).algorithm, "hazero");
  EXPECT_EQ(ChooseAutoSearcher(space, 100, 9, 0, o).algorithm, "hazero");
  EXPECT_EQ(ChooseAutoSearcher(space, 100, 8, 0, o).algorithm, "gp");
  AutoOptions narrow = o;
  narrow.gp_max_dims = 2;
  EXPECT_EQ(ChooseAutoSearcher(space, 100, 1, 0, narrow).algorithm, "hazero");
}

TEST(AutoTest, OptionsAreReadAndChecked) {
  const SearchSpace space = Floats(3);
  EXPECT_TRUE(
      MakeSearcher({"auto", {{"handover", std::int64_t{10}}, {"gp_max_dims", std::int64_t{4}}}}, space, 0)
          .ok());
  EXPECT_EQ(MakeSearcher({"auto", {{"handover", std::int64_t{-1}}}}, space, 0).status().field(),
            "searcher.handover");
}

TEST(AutoTest, SuggestsWhatItsDelegateSuggestsAndDescribesIt) {
  const SearchSpace space = Floats(3);
  auto a = std::move(MakeSearcher({"auto", {}}, space, 5, 1, 100)).value();
  // From 3 floats: hazero with one member of each generation from tpe.
  auto hazero =
      std::move(MakeSearcher({"hazero", {{"tpe_members", std::int64_t{1}}}}, space, 5, 1, 100)).value();
  const History h = RandomHistory(space, 40);
  EXPECT_EQ(std::move(a->Suggest(h, 2)).value(), std::move(hazero->Suggest(h, 2)).value());
  EXPECT_EQ(a->Describe(),
            "auto: hazero (3 floats, budget 100, 1 at a time: floats only, 1 of each generation from tpe)");
  // Two floats: gp for the first half of the budget.
  const SearchSpace two = Floats(2);
  auto b = std::move(MakeSearcher({"auto", {}}, two, 5, 1, 100)).value();
  auto gp = std::move(MakeSearcher({"gp", {}}, two, 5, 1, 100)).value();
  const History h2 = RandomHistory(two, 12);
  EXPECT_EQ(std::move(b->Suggest(h2, 1)).value(), std::move(gp->Suggest(h2, 1)).value());
  EXPECT_EQ(b->Describe(), "auto: gp (2 floats, budget 100, 1 at a time, hazero from trial 50)");
}

TEST(AutoTest, HazeroAfterGpSeesTheEarlierTrialsAsWarmStart) {
  const SearchSpace space = Floats(3);
  const History h = RandomHistory(space, 201);
  auto a = std::move(MakeSearcher({"auto", {{"handover", std::int64_t{200}}}}, space, 5)).value();
  // After gp, hazero refines gp's best with a small first step.
  auto hazero = std::move(MakeSearcher({"hazero", {{"sigma0", 0.05}}}, space, 5)).value();
  History phase;
  phase.prior.assign(h.trials.begin(), h.trials.begin() + 200);
  phase.trials.assign(h.trials.begin() + 200, h.trials.end());
  EXPECT_EQ(std::move(a->Suggest(h, 1)).value(), std::move(hazero->Suggest(phase, 1)).value());
  EXPECT_EQ(a->Describe(),
            "auto: hazero (3 floats, budget unknown, 1 at a time: from trial 200 on, after gp)");
  // Before the hand-over it is gp's suggestion.
  auto gp = std::move(MakeSearcher({"gp", {}}, space, 5)).value();
  History early;
  early.trials.assign(h.trials.begin(), h.trials.begin() + 30);
  EXPECT_EQ(std::move(a->Suggest(early, 1)).value(), std::move(gp->Suggest(early, 1)).value());
}

TEST(AutoTest, HazeroAfterGpCountsItsTailFromTheBudgetLeft) {
  // Budget 20, gp for 6 trials: hazero numbers its trials from the hand-over,
  // so its budget is 14 (tail from its 10th trial), not 20.
  const SearchSpace space = Floats(2);
  const History h = RandomHistory(space, 18);
  auto a = std::move(MakeSearcher({"auto", {{"handover", std::int64_t{6}}}}, space, 5, 1, 20)).value();
  History phase;
  phase.prior.assign(h.trials.begin(), h.trials.begin() + 6);
  phase.trials.assign(h.trials.begin() + 6, h.trials.end());
  auto hazero = [&](int budget) {
    return std::move(MakeSearcher({"hazero", {{"sigma0", 0.05}}}, space, 5, 1, budget)).value();
  };
  const auto suggested = std::move(a->Suggest(h, 1)).value();
  EXPECT_EQ(suggested, std::move(hazero(14)->Suggest(phase, 1)).value());
  EXPECT_NE(suggested, std::move(hazero(20)->Suggest(phase, 1)).value());
}

TEST(AutoTest, OneCallAcrossTheHandOverAsksEachPhaseForItsOwnTrials) {
  const SearchSpace space = Floats(2);
  const History h = RandomHistory(space, 199);
  auto a = std::move(MakeSearcher({"auto", {{"handover", std::int64_t{200}}}}, space, 5, 4)).value();
  auto gp = std::move(MakeSearcher({"gp", {}}, space, 5, 4)).value();
  auto hazero = std::move(MakeSearcher({"hazero", {{"sigma0", 0.05}}}, space, 5, 4)).value();
  const auto both = std::move(a->Suggest(h, 3)).value();
  ASSERT_EQ(both.size(), 3u);
  EXPECT_EQ(both[0], std::move(gp->Suggest(h, 1)).value()[0]);
  History phase;
  phase.prior = h.trials;
  phase.prior.push_back({both[0], TrialState::kPending, std::nullopt});
  EXPECT_EQ(std::vector<Params>(both.begin() + 1, both.end()), std::move(hazero->Suggest(phase, 2)).value());
}

TEST(AutoTest, GridChoiceEndsWithTheGrid) {
  const SearchSpace space = Make({Int("a", 2), Choice("c")});  // 6 points
  auto a = std::move(MakeSearcher({"auto", {}}, space, 1, 1, 10)).value();
  History h;
  auto first = std::move(a->Suggest(h, 10)).value();
  EXPECT_EQ(first.size(), 6u);
  for (const auto& p : first) h.trials.push_back({p, TrialState::kCompleted, 1.0});
  EXPECT_TRUE(a->Exhausted(h));
  EXPECT_TRUE(std::move(a->Suggest(h, 1)).value().empty());
}

TEST(AutoTest, ExhaustedIsRightBeforeAnySuggest) {
  // A resumed study may ask Exhausted first: the delegate must be built for it.
  const SearchSpace space = Make({Int("a", 2), Choice("c")});  // 6 points
  History h;
  auto first = std::move(MakeSearcher({"auto", {}}, space, 1, 1, 10)).value();
  const std::vector<Params> all = std::move(first->Suggest(h, 10)).value();
  for (const auto& p : all) h.trials.push_back({p, TrialState::kCompleted, 1.0});
  auto resumed = std::move(MakeSearcher({"auto", {}}, space, 1, 1, 10)).value();
  EXPECT_TRUE(resumed->Exhausted(h));
  History partial;
  partial.trials.assign(h.trials.begin(), h.trials.begin() + 3);
  EXPECT_FALSE(std::move(MakeSearcher({"auto", {}}, space, 1, 1, 10)).value()->Exhausted(partial));
}

TEST(AutoTest, RefusesOptions) {
  auto a = MakeSearcher({"auto", {{"prefer", std::string("gp")}}}, Floats(2), 0);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().field(), "searcher.prefer");
}

}  // namespace
}  // namespace autotune
