// HAZero (CMA-ES by generations): constants, generation bookkeeping, replay
// from history, failed trials, restarts, bounds and quality; the lq-CMA-ES
// surrogate (its model and its rounds).
#include "tuner/searchers/hazero.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "tuner/searchers/cmaes/cmaes.h"
#include "tuner/searchers/cmaes/lq_model.h"
#include "tuner/searchers/hazero_rounds.h"

namespace autotune {
namespace {

SearchSpace Floats2D(std::optional<ParamValue> init_x = std::nullopt) {
  ParamSpec x{"x", FloatDist{-5, 5, false, {}}, init_x, 0};
  ParamSpec y{"y", FloatDist{-5, 5, false, {}}, std::nullopt, 0};
  return SearchSpace::Create({x, y}).value();
}

SearchSpace MixedSpace() {
  return SearchSpace::Create(
             {
                 {"lr", FloatDist{1e-5, 1, true, {}}, std::nullopt, 0},
                 {"depth", IntDist{1, 12, false, {}}, std::nullopt, 0},
                 {"batch", IntDist{16, 1024, true, {}}, std::nullopt, 0},
                 {"opt", CategoricalDist{{std::string("sgd"), std::string("adam")}}, std::nullopt, 0},
             })
      .value();
}

double Num(const Params& p, const std::string& name) {
  double v = 0;
  AsNumber(p.at(name), &v);
  return v;
}

double Quadratic(const Params& p) {
  const double dx = Num(p, "x") - 1, dy = Num(p, "y") + 2;
  return dx * dx + dy * dy;
}

double MixedLoss(const Params& p) {
  const double a = std::log10(Num(p, "lr")) + 2, c = Num(p, "depth") - 7;
  return a * a + 0.1 * c * c + (p.at("opt") == ParamValue(std::string("adam")) ? 0 : 1);
}

std::unique_ptr<Searcher> Make(const SearchSpace& space, std::uint64_t seed, Options options = {},
                               int max_trials = 0) {
  auto s = MakeHazeroSearcher(options, space, seed, 1, max_trials);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

// Runs whole generations, one Suggest per generation, until `trials` exist.
History RunByGenerations(Searcher& searcher, int trials, double (*loss)(const Params&),
                         std::vector<int>* sizes = nullptr) {
  History h;
  while (static_cast<int>(h.trials.size()) < trials) {
    auto gen = searcher.Suggest(h, 1000);
    EXPECT_TRUE(gen.ok());
    if (!gen.ok() || gen->empty()) break;
    if (sizes) sizes->push_back(static_cast<int>(gen->size()));
    for (const auto& p : *gen) h.trials.push_back({p, TrialState::kCompleted, loss(p)});
  }
  return h;
}

TEST(CmaesTest, ConstantsFollowHansen) {
  const auto k = cmaes::MakeConstants(6, cmaes::DefaultPopulation(6));
  EXPECT_EQ(k.lambda, 9);  // 4 + floor(3 ln 6) = 4 + 5
  EXPECT_EQ(k.mu, 4);
  double sum = 0, sq = 0;
  for (double w : k.weights) sum += w, sq += w * w;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_NEAR(k.weights[0] / k.weights[3], (std::log(5.0) - std::log(1.0)) / (std::log(5.0) - std::log(4.0)),
              1e-12);
  EXPECT_NEAR(k.mu_eff, 1 / sq, 1e-12);
  EXPECT_NEAR(k.c1, 2 / (7.3 * 7.3 + k.mu_eff), 1e-12);
  EXPECT_NEAR(k.c_sigma, (k.mu_eff + 2) / (6 + k.mu_eff + 5), 1e-12);
  EXPECT_NEAR(k.chi_n, std::sqrt(6.0) * (1 - 1 / 24.0 + 1 / (21.0 * 36)), 1e-12);
  EXPECT_EQ(cmaes::DefaultPopulation(2), 6);
}

TEST(CmaesTest, RecenterMovesTheMeanAndSetsTheLargestStep) {
  cmaes::Cmaes es(Eigen::VectorXd::Zero(2), 0.3, 6);
  EXPECT_DOUBLE_EQ(es.step(), 0.3);
  Eigen::VectorXd to(2);
  to << 0.5, -0.25;
  es.Recenter(to, 0.05);
  EXPECT_EQ(es.mean(), to);
  EXPECT_DOUBLE_EQ(es.step(), 0.05);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 50; ++i) EXPECT_LT((es.Sample(rng) - to).norm(), 0.05 * 6);
}

TEST(HazeroTest, SuggestsOneGenerationAtATimeAndWaitsForIt) {
  auto hz = Make(Floats2D(), 1, {{"surrogate", false}});
  History h;
  auto first = hz->Suggest(h, 4);
  ASSERT_EQ(first->size(), 4u);  // at most n
  for (const auto& p : *first) h.trials.push_back({p, TrialState::kRunning, std::nullopt});
  auto rest = hz->Suggest(h, 100);
  ASSERT_EQ(rest->size(), 2u);  // the rest of the 6-point generation, no more
  for (const auto& p : *rest) h.trials.push_back({p, TrialState::kRunning, std::nullopt});
  EXPECT_TRUE(hz->Suggest(h, 5)->empty());
  // Five of six finished: still waiting for the generation.
  for (int i = 0; i < 5; ++i)
    h.trials[i].state = TrialState::kCompleted, h.trials[i].loss = Quadratic(h.trials[i].params);
  EXPECT_TRUE(hz->Suggest(h, 5)->empty());
  h.trials[5].state = TrialState::kCompleted, h.trials[5].loss = Quadratic(h.trials[5].params);
  EXPECT_EQ(hz->Suggest(h, 100)->size(), 6u);
}

TEST(HazeroTest, ParallelSuggestionsOfAGenerationAreDistinct) {
  auto hz = Make(MixedSpace(), 2);
  auto gen = hz->Suggest(History{}, 100);
  EXPECT_EQ(std::set<Params>(gen->begin(), gen->end()).size(), gen->size());
}

TEST(HazeroTest, RebuildsTheSameStateFromHistory) {
  auto a = Make(Floats2D(), 3);
  History h = RunByGenerations(*a, 60, Quadratic);
  // A restarted coordinator (a fresh searcher) asking one trial at a time
  // from the same history continues with the same generation.
  auto fresh = Make(Floats2D(), 3);
  auto next_a = a->Suggest(h, 100);
  History partial = h;
  for (std::size_t i = 0; i < next_a->size(); ++i) {
    auto one = fresh->Suggest(partial, 1);
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ(one->at(0), next_a->at(i));
    partial.trials.push_back({one->at(0), TrialState::kRunning, std::nullopt});
  }
  // Same seed, same run; another seed, another run.
  auto b = Make(Floats2D(), 3);
  EXPECT_EQ(RunByGenerations(*b, 60, Quadratic).trials.back().params, h.trials.back().params);
  auto c = Make(Floats2D(), 4);
  EXPECT_NE(RunByGenerations(*c, 60, Quadratic).trials.back().params, h.trials.back().params);
}

TEST(HazeroTest, FailedTrialsCountAsTheGenerationsWorst) {
  auto hz = Make(Floats2D(), 5);
  History h;
  auto gen = hz->Suggest(h, 100);
  double worst = -INFINITY;
  std::size_t best = 0;
  for (const auto& p : *gen) {
    if (Quadratic(p) < Quadratic(gen->at(best))) best = h.trials.size();
    h.trials.push_back({p, TrialState::kCompleted, Quadratic(p)});
    worst = std::max(worst, Quadratic(p));
  }
  // The generation's best trial fails: it is ranked as if it had the worst
  // loss, so the next generation moves away from where it was.
  History failed = h, worst_loss = h;
  failed.trials[best].state = TrialState::kFailed, failed.trials[best].loss.reset();
  worst_loss.trials[best].loss = worst;
  EXPECT_EQ(*hz->Suggest(failed, 100), *hz->Suggest(worst_loss, 100));
  EXPECT_NE(*hz->Suggest(failed, 100), *hz->Suggest(h, 100));
}

TEST(HazeroTest, RestartsWithDoubledPopulationWhenConverged) {
  // A flat loss: TolFun fires once 10 + ceil(30 * 2 / 6) = 20 generations
  // have passed, and the next run has 12 points per generation.
  std::vector<int> sizes;
  auto hz = Make(Floats2D(), 6, {{"surrogate", false}});
  RunByGenerations(
      *hz, 20 * 6 + 12, [](const Params&) { return 1.0; }, &sizes);
  ASSERT_EQ(sizes.size(), 21u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(sizes[i], 6) << i;
  EXPECT_EQ(sizes[20], 12);
}

TEST(HazeroTest, StartsAtTheInitPointAndStaysInsideMixedSpace) {
  auto hz = Make(Floats2D(ParamValue(4.0)), 7);
  auto gen = hz->Suggest(History{}, 100);
  double mean_x = 0;
  for (const auto& p : *gen) mean_x += Num(p, "x") / gen->size();
  // init x = 4 is 0.8 in [-1, 1]; sigma0 = 0.2 keeps the first generation near it.
  EXPECT_GT(mean_x, 2.0);

  const SearchSpace space = MixedSpace();
  auto mixed = Make(space, 8, {{"sigma0", 1.5}});
  History h = RunByGenerations(*mixed, 80, MixedLoss);
  std::set<std::string> opts;
  for (const auto& t : h.trials) {
    EXPECT_TRUE(space.Validate(t.params).ok()) << space.Validate(t.params).ToString();
    opts.insert(ToString(t.params.at("opt")));
  }
  EXPECT_EQ(opts.size(), 2u);
}

TEST(HazeroTest, DefaultStepIs0Point15On3OrMoreFloatsElse0Point2) {
  // The first generation is drawn from (centre, sigma0): the default must
  // draw exactly what the explicit value draws, and differ from the other.
  auto first_generation = [](const SearchSpace& space, Options options) {
    return *Make(space, 3, std::move(options))->Suggest(History{}, 100);
  };
  const SearchSpace two = Floats2D();
  EXPECT_EQ(first_generation(two, {}), first_generation(two, {{"sigma0", 0.2}}));
  EXPECT_NE(first_generation(two, {}), first_generation(two, {{"sigma0", 0.15}}));
  std::vector<ParamSpec> floats;
  for (const char* name : {"a", "b", "c"})
    floats.push_back({name, FloatDist{-5, 5, false, {}}, std::nullopt, 0});
  const SearchSpace three = SearchSpace::Create(floats).value();
  EXPECT_EQ(first_generation(three, {}), first_generation(three, {{"sigma0", 0.15}}));
  EXPECT_NE(first_generation(three, {}), first_generation(three, {{"sigma0", 0.2}}));
  const SearchSpace mixed = MixedSpace();  // 4 params, 3 of them not floats
  EXPECT_EQ(first_generation(mixed, {}), first_generation(mixed, {{"sigma0", 0.2}}));
  EXPECT_NE(first_generation(mixed, {}), first_generation(mixed, {{"sigma0", 0.15}}));
}

// A rugged 2-D loss whose basins keep CMA-ES's step wide.
double Rugged(const Params& p) {
  const double x = Num(p, "x"), y = Num(p, "y");
  return std::sin(13 * x) * std::cos(11 * y) + 0.01 * (x * x + y * y);
}

TEST(HazeroTest, TailRefinesTheBestTrialWithASmallStepOnlyWithABudget) {
  // Generations of 6 (no surrogate): with a budget of 100 the tail starts
  // after trial 70, at the end of the 12th generation (72 trials).
  auto run = [](Options options, int budget) {
    options["surrogate"] = false;
    std::vector<Params> out;
    for (const auto& t :
         RunByGenerations(*Make(Floats2D(), 4, std::move(options), budget), 78, Rugged).trials)
      out.push_back(t.params);
    return out;
  };
  const auto none = run({}, 0), tailed = run({}, 100), fine = run({{"tail_step", 0.01}}, 100);
  ASSERT_EQ(none.size(), 78u);
  EXPECT_EQ(run({{"tail", 0.0}}, 100), none);
  EXPECT_EQ(run({{"tail", 0.3}, {"tail_step", 0.05}}, 100), tailed);
  for (int i = 0; i < 72; ++i) EXPECT_EQ(tailed[i], none[i]) << i;
  for (int i = 0; i < 72; ++i) EXPECT_EQ(fine[i], none[i]) << i;
  EXPECT_NE(std::vector<Params>(tailed.begin() + 72, tailed.end()),
            std::vector<Params>(none.begin() + 72, none.end()));
  // The 13th generation's farthest point from the best of the first 72.
  std::size_t best = 0;
  for (std::size_t i = 0; i < 72; ++i) {
    if (Rugged(none[i]) < Rugged(none[best])) best = i;
  }
  auto spread = [&](const std::vector<Params>& trials) {
    double far = 0;
    for (int i = 72; i < 78; ++i) {
      far = std::max(far, std::hypot(Num(trials[i], "x") - Num(none[best], "x"),
                                     Num(trials[i], "y") - Num(none[best], "y")));
    }
    return far;
  };
  // A step of 0.01 in [-1, 1] is 0.05 here: the generation stays within a
  // few of them, where the untailed run still spreads wide.
  EXPECT_LT(spread(fine), 0.25);
  EXPECT_GT(spread(none), 0.6);
}

TEST(HazeroTest, DefaultTailOnUpTo12ParamsOnly) {
  // 78 trials of generations (no surrogate) on a sphere with a budget of 100:
  // the default equals tail 0.3 on 12 floats and tail 0 on 13.
  auto run = [](std::size_t dims, Options options) {
    std::vector<ParamSpec> floats;
    for (std::size_t i = 0; i < dims; ++i)
      floats.push_back({"x" + std::to_string(i), FloatDist{-5, 5, false, {}}, std::nullopt, 0});
    options["surrogate"] = false;
    std::vector<Params> out;
    auto hz = Make(SearchSpace::Create(floats).value(), 2, std::move(options), 100);
    for (const auto& t : RunByGenerations(*hz, 78, [](const Params& p) {
                           double s = 0;
                           for (const auto& [name, value] : p) s += Num(p, name) * Num(p, name);
                           return s;
                         }).trials)
      out.push_back(t.params);
    return out;
  };
  EXPECT_EQ(run(12, {}), run(12, {{"tail", 0.3}}));
  EXPECT_NE(run(12, {}), run(12, {{"tail", 0.0}}));
  EXPECT_EQ(run(13, {}), run(13, {{"tail", 0.0}}));
  EXPECT_NE(run(13, {}), run(13, {{"tail", 0.3}}));
}

TEST(HazeroTest, FindsTheOptimumOfA2DQuadratic) {
  // 25 generations of 6; random search's best of 150 draws is about 0.2.
  for (std::uint64_t seed : {0, 1, 2}) {
    auto hz = Make(Floats2D(), seed);
    History h = RunByGenerations(*hz, 150, Quadratic);
    double best = INFINITY;
    for (const auto& t : h.trials) best = std::min(best, *t.loss);
    EXPECT_LT(best, 2e-3) << "seed " << seed;
  }
}

TEST(LqModelTest, FitsAQuadraticExactlyOnceItHasTheData) {
  // 2-D: the full quadratic has 6 coefficients and is used from 9 points on.
  auto f = [](const Eigen::Vector2d& x) {
    return 1.0 + x[0] - 2 * x[1] + 3 * x[0] * x[0] + x[1] * x[1] + 0.5 * x[0] * x[1];
  };
  cmaes::LqModel model(2, 6);
  for (int i = 0; i < 12; ++i) {
    const Eigen::Vector2d x(std::sin(1.3 * i), std::cos(0.7 * i + 0.2));
    model.Add(x, f(x));
  }
  model.Fit();
  EXPECT_EQ(model.size(), 12);
  const Eigen::Vector2d probe(0.3, -0.4);
  EXPECT_NEAR(model.Eval(probe), f(probe), 1e-9);
  EXPECT_NEAR(model.KendallTau(), 1.0, 1e-12);
  // The archive keeps at most max(3 lambda, 1.5 * 6) = 18 points, the best.
  model.EndGeneration(1.0);
  for (int i = 0; i < 10; ++i) model.Add(Eigen::Vector2d(0.1 * i, 0.0), 100.0 + i);
  EXPECT_EQ(model.size(), 18);
}

TEST(LqModelTest, KendallTauB) {
  EXPECT_DOUBLE_EQ(cmaes::KendallTauB({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(cmaes::KendallTauB({1, 2, 3, 4}, {40, 30, 20, 10}), -1.0);
  EXPECT_DOUBLE_EQ(cmaes::KendallTauB({1, 2, 3}, {1, 3, 2}), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(cmaes::KendallTauB({1, 1, 1}, {1, 2, 3}), 0.0);  // undefined
  EXPECT_NEAR(cmaes::KendallTauB({1, 2, 2, 3}, {1, 2, 3, 4}), 5.0 / std::sqrt(30.0), 1e-12);
}

TEST(HazeroTest, SurrogateEvaluatesOnlyWhatTheModelCannotRank) {
  // The first generation is evaluated whole; on a quadratic the model ranks
  // later generations correctly, so most of them cost a single trial.
  std::vector<int> sizes;
  auto hz = Make(Floats2D(), 9);
  History h = RunByGenerations(*hz, 60, Quadratic, &sizes);
  ASSERT_GE(sizes.size(), 2u);
  EXPECT_EQ(sizes[0], 6);
  EXPECT_GT(std::count(sizes.begin(), sizes.end(), 1), 20);
  double best = INFINITY;
  for (const auto& t : h.trials) best = std::min(best, *t.loss);
  EXPECT_LT(best, 1e-6);
  // Without it, every generation is 6 trials.
  sizes.clear();
  auto plain = Make(Floats2D(), 9, {{"surrogate", false}});
  RunByGenerations(*plain, 60, Quadratic, &sizes);
  for (int s : sizes) EXPECT_EQ(s, 6);
}

TEST(HazeroTest, SurrogateRoundsKeepMaxParallelWorkersBusy) {
  // Every round after the first generation holds at least `batch` members
  // (or what is left of its generation); by default batch is max_parallel.
  for (bool from_max_parallel : {false, true}) {
    std::vector<int> sizes;
    auto s = from_max_parallel ? MakeHazeroSearcher({}, Floats2D(), 9, 3)
                               : MakeHazeroSearcher({{"batch", std::int64_t{3}}}, Floats2D(), 9);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    RunByGenerations(**s, 60, Quadratic, &sizes);
    ASSERT_GE(sizes.size(), 4u);
    EXPECT_EQ(sizes[0], 6);
    for (std::size_t i = 1; i < sizes.size(); ++i) EXPECT_EQ(sizes[i], 3) << from_max_parallel;
  }
}

TEST(HazeroTest, SurrogateMovesOnWhenATrialFails) {
  auto hz = Make(Floats2D(), 10);
  History h = RunByGenerations(*hz, 6, Quadratic);
  auto one = hz->Suggest(h, 100);
  ASSERT_EQ(one->size(), 1u);
  // The single trial of this round fails: the next round asks for another
  // member of the generation instead of repeating it.
  h.trials.push_back({one->at(0), TrialState::kFailed, std::nullopt});
  auto next = hz->Suggest(h, 100);
  ASSERT_FALSE(next->empty());
  EXPECT_NE(next->at(0), one->at(0));
  // And the study goes on to find the optimum.
  for (int i = 0; i < 80; ++i) {
    auto p = hz->Suggest(h, 1);
    ASSERT_EQ(p->size(), 1u);
    h.trials.push_back({p->at(0), TrialState::kCompleted, Quadratic(p->at(0))});
  }
  double best = INFINITY;
  for (const auto& t : h.trials) {
    if (t.loss) best = std::min(best, *t.loss);
  }
  EXPECT_LT(best, 1e-4);
}

TEST(HazeroTest, RejectsUnknownAndOutOfRangeOptions) {
  // Each bad option is refused naming its field.
  const Options bad = {
      {"population", std::int64_t{8}},
      {"popsize", std::int64_t{1}},
      {"sigma0", 0.0},
      {"surrogate", std::int64_t{2}},
      {"batch", std::int64_t{0}},
      {"tail", 1.5},
      {"tail_step", 0.0},
  };
  for (const auto& [name, value] : bad) {
    auto made = MakeHazeroSearcher({{name, value}}, Floats2D(), 0);
    ASSERT_FALSE(made.ok()) << name;
    EXPECT_EQ(made.status().field(), "searcher." + name);
  }
  auto ok = MakeHazeroSearcher({{"popsize", std::int64_t{10}}}, Floats2D(), 0);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->Suggest(History{}, 100)->size(), 10u);
}

}  // namespace
}  // namespace autotune
