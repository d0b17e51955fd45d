// TPE: the Parzen estimator's arithmetic, Optuna's split and weights, and the
// searcher's behaviour (startup, reproducibility, constant liar, quality).
#include "tuner/searchers/tpe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "tuner/searchers/random.h"
#include "tuner/searchers/searcher.h"
#include "tuner/searchers/sobol.h"
#include "tuner/searchers/tpe/parzen.h"

namespace autotune {
namespace {

SearchSpace Floats2D() {
  ParamSpec x{"x", FloatDist{-5, 5, false, {}}, std::nullopt, 0};
  ParamSpec y{"y", FloatDist{-5, 5, false, {}}, std::nullopt, 0};
  return SearchSpace::Create({x, y}).value();
}

SearchSpace MixedSpace() {
  return SearchSpace::Create(
             {
                 {"lr", FloatDist{1e-5, 1, true, {}}, std::nullopt, 0},
                 {"margin", FloatDist{0, 0.5, false, {}}, std::nullopt, 0},
                 {"depth", IntDist{1, 12, false, {}}, std::nullopt, 0},
                 {"batch", IntDist{16, 1024, true, {}}, std::nullopt, 0},
                 {"opt", CategoricalDist{{std::string("sgd"), std::string("adam"), true}}, std::nullopt, 0},
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

// A loss for the mixed space with its best at lr = 1e-2, margin 0.3, depth 7,
// batch 128 and opt "adam".
double MixedLoss(const Params& p) {
  const double a = std::log10(Num(p, "lr")) + 2, b = Num(p, "margin") - 0.3, c = Num(p, "depth") - 7,
               d = std::log2(Num(p, "batch")) - 7;
  return a * a + 10 * b * b + 0.1 * c * c + d * d + (p.at("opt") == ParamValue(std::string("adam")) ? 0 : 1);
}

std::unique_ptr<Searcher> Make(const SearchSpace& space, std::uint64_t seed, Options options = {},
                               int max_trials = 0) {
  auto s = MakeTpeSearcher(options, space, seed, max_trials);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

// Runs `trials` sequential trials and returns the history.
History RunSequential(Searcher& searcher, int trials, double (*loss)(const Params&)) {
  History h;
  for (int t = 0; t < trials; ++t) {
    auto p = searcher.Suggest(h, 1);
    EXPECT_TRUE(p.ok());
    EXPECT_EQ(p->size(), 1u);
    h.trials.push_back({p->at(0), TrialState::kCompleted, loss(p->at(0))});
  }
  return h;
}

double Best(const History& h) {
  double best = INFINITY;
  for (const auto& t : h.trials) best = std::min(best, *t.loss);
  return best;
}

TEST(TpeParzenTest, GammaIsTenPercentRoundedUpAndCappedAt25) {
  EXPECT_EQ(tpe::DefaultGamma(1), 1u);
  EXPECT_EQ(tpe::DefaultGamma(10), 1u);
  EXPECT_EQ(tpe::DefaultGamma(11), 2u);
  EXPECT_EQ(tpe::DefaultGamma(100), 10u);
  EXPECT_EQ(tpe::DefaultGamma(1000), 25u);
}

TEST(TpeParzenTest, WeightsRampOldObservationsPast25) {
  EXPECT_EQ(tpe::DefaultWeights(24), std::vector<double>(24, 1.0));
  const auto w = tpe::DefaultWeights(27);  // ramp over the oldest 2: 1/27, 1
  ASSERT_EQ(w.size(), 27u);
  EXPECT_DOUBLE_EQ(w[0], 1.0 / 27);
  EXPECT_DOUBLE_EQ(w[1], 1.0);
  const auto w100 = tpe::DefaultWeights(100);  // linspace(1/100, 1, 75), then 25 ones
  EXPECT_DOUBLE_EQ(w100[0], 0.01);
  EXPECT_NEAR(w100[37], 0.01 + 0.99 * 37 / 74, 1e-12);
  EXPECT_DOUBLE_EQ(w100[74], 1.0);
  EXPECT_DOUBLE_EQ(w100[99], 1.0);
}

double TruncatedNormalPdf(double x, double mu, double sigma) {
  auto cdf = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  const double z = (x - mu) / sigma;
  return std::exp(-0.5 * z * z) / (sigma * std::sqrt(2 * M_PI)) / (cdf((1 - mu) / sigma) - cdf(-mu / sigma));
}

TEST(TpeParzenTest, OneObservationKernelHasClippedNeighbourBandwidthBesideThePrior) {
  // One observation at 0.3: its sorted neighbours are 0 and the prior's 0.5;
  // as the lowest point it takes its inner gap 0.2, clipped up to
  // 1 / (1 + 2 kernels) = 1/3. The prior kernel is N(0.5, 1). Equal weights.
  tpe::ParzenEstimator pe({tpe::DimModel{}}, {{0.3}}, {1.0}, 1.0, false);
  for (double x : {0.0, 0.3, 0.9}) {
    const double expected = 0.5 * TruncatedNormalPdf(x, 0.3, 1.0 / 3) + 0.5 * TruncatedNormalPdf(x, 0.5, 1.0);
    EXPECT_NEAR(pe.LogPdf({x}), std::log(expected), 1e-12) << x;
  }
}

TEST(TpeParzenTest, JointKernelsUseEachDimensionsNeighbourGaps) {
  // 3 observations in d = 2, 4 kernels (floor 1 / (1 + 4)). x: 0.1, 0.2, 0.7
  // with the prior's 0.5 sorted in: 0.1 takes its inner gap 0.1, 0.2 the
  // larger of 0.1 and 0.3, 0.7 (the highest) its inner gap 0.2; clipped up
  // to 0.2, 0.3, 0.2. y: 0.5, 0.5, 0.9: gaps 0, 0 (both clipped to 0.2) and
  // 0.4 (the highest: its inner gap).
  tpe::ParzenEstimator pe({tpe::DimModel{}, tpe::DimModel{}}, {{0.1, 0.2, 0.7}, {0.5, 0.5, 0.9}}, {1, 1, 1},
                          1.0, false);
  const double sx[3] = {0.2, 0.3, 0.2}, sy[3] = {0.2, 0.2, 0.4}, mx[3] = {0.1, 0.2, 0.7},
               my[3] = {0.5, 0.5, 0.9};
  const std::vector<double> x = {0.25, 0.6};
  double expected = 0.25 * TruncatedNormalPdf(x[0], 0.5, 1) * TruncatedNormalPdf(x[1], 0.5, 1);
  for (int k = 0; k < 3; ++k) {
    expected += 0.25 * TruncatedNormalPdf(x[0], mx[k], sx[k]) * TruncatedNormalPdf(x[1], my[k], sy[k]);
  }
  EXPECT_NEAR(pe.LogPdf(x), std::log(expected), 1e-12);
}

TEST(TpeParzenTest, ScottFloorRaisesJointBandwidthsOfATightCluster) {
  // 3 observations at 0.5 in d = 4 (gaps 0, clipped to 1 / (1 + 4) = 0.2 by
  // Optuna's rule); a floor of 0.3 * 4^(-1/8) = 0.252 raises them. The prior
  // kernel's bandwidth stays 1.
  const std::vector<double> col(3, 0.5);
  const std::vector<tpe::DimModel> dims(4);
  const std::vector<std::vector<double>> columns(4, col);
  const std::vector<double> weights(3, 1.0), x = {0.1, 0.4, 0.7, 0.95};
  auto expected = [&](double s) {
    double prior = 0.25;
    for (double v : x) prior *= TruncatedNormalPdf(v, 0.5, 1.0);
    double one = 0.25;
    for (double v : x) one *= TruncatedNormalPdf(v, 0.5, s);
    return std::log(3 * one + prior);
  };
  EXPECT_NEAR(tpe::ParzenEstimator(dims, columns, weights, 1.0, false).LogPdf(x), expected(0.2), 1e-12);
  const double raised = 0.3 * std::pow(4.0, -1.0 / 8.0);
  EXPECT_NEAR(tpe::ParzenEstimator(dims, columns, weights, 1.0, false, 0.3).LogPdf(x), expected(raised),
              1e-12);
  // A floor below Optuna's clip changes nothing.
  EXPECT_NEAR(tpe::ParzenEstimator(dims, columns, weights, 1.0, false, 0.1).LogPdf(x), expected(0.2), 1e-12);
}

TEST(TpeParzenTest, BandwidthWeightedScoringMultipliesEachKernelBySigma) {
  // Optuna 3.1's scoring: kernel k's continuous density factor times sigma_k.
  tpe::ParzenEstimator pe({tpe::DimModel{}}, {{0.3}}, {1.0}, 1.0, true);
  for (double x : {0.0, 0.3, 0.9}) {
    const double s = 1.0 / 3;
    const double expected =
        0.5 * s * TruncatedNormalPdf(x, 0.3, s) + 0.5 * 1.0 * TruncatedNormalPdf(x, 0.5, 1.0);
    EXPECT_NEAR(pe.LogPdf({x}), std::log(expected), 1e-12) << x;
  }
}

TEST(TpeParzenTest, JointSamplesRecombineCoordinatesOfDifferentKernels) {
  // Two tight clusters at (0.1, 0.1) and (0.9, 0.9): each coordinate picks
  // its own kernel, so mixed points such as (0.1, 0.9) are drawn too.
  std::vector<double> lo(20, 0.1), hi(20, 0.9);
  std::vector<double> col = lo;
  col.insert(col.end(), hi.begin(), hi.end());
  tpe::ParzenEstimator pe({tpe::DimModel{}, tpe::DimModel{}}, {col, col}, std::vector<double>(40, 1.0), 1.0,
                          false);
  std::mt19937_64 rng(1);
  int mixed = 0;
  for (const auto& x : pe.Sample(rng, 400)) {
    if ((x[0] < 0.3 && x[1] > 0.7) || (x[0] > 0.7 && x[1] < 0.3)) ++mixed;
  }
  EXPECT_GT(mixed, 100);  // about half of the ~95% drawn from observation kernels
}

TEST(TpeParzenTest, ShrunkSamplesStayCloserToTheirKernels) {
  // One observation kernel at 0.3 (bandwidth 0.3, its larger neighbour gap)
  // and a prior of negligible weight: with a shrink of 0.1 the draws' mean
  // distance from 0.3 is about a tenth of the unshrunk one.
  tpe::ParzenEstimator pe({tpe::DimModel{}}, {{0.3}}, {1.0}, 1e-9, false);
  auto spread = [&](double shrink) {
    std::mt19937_64 rng(7);
    double sum = 0;
    for (const auto& x : pe.Sample(rng, 2000, shrink)) sum += std::abs(x[0] - 0.3);
    return sum / 2000;
  };
  EXPECT_LT(spread(0.1), 0.15 * spread(1.0));
  EXPECT_GT(spread(0.1), 0.05 * spread(1.0));
}

TEST(TpeParzenTest, DensityIntegratesToOneAndIntegerMassesSumToOne) {
  tpe::ParzenEstimator cont({tpe::DimModel{}}, {{0.05, 0.5, 0.52, 0.97}}, {1, 1, 1, 1}, 1.0, false);
  double integral = 0;
  const int steps = 20000;
  for (int i = 0; i < steps; ++i) integral += std::exp(cont.LogPdf({(i + 0.5) / steps})) / steps;
  EXPECT_NEAR(integral, 1.0, 1e-4);

  tpe::DimModel ints;
  ints.kind = tpe::DimModel::Kind::kInteger;
  ints.ints = IntDist{1, 12, false, {}};
  tpe::ParzenEstimator disc({ints}, {{(2 + 0.5) / 12, (7 + 0.5) / 12}}, {1, 1}, 1.0, false);
  double mass = 0;
  for (int v = 0; v < 12; ++v) mass += std::exp(disc.LogPdf({(v + 0.5) / 12}));
  EXPECT_NEAR(mass, 1.0, 1e-9);
}

TEST(TpeParzenTest, CategoricalKernelsFavourObservedChoices) {
  tpe::DimModel cat;
  cat.kind = tpe::DimModel::Kind::kCategorical;
  cat.choices = 3;
  // Two observations of choice 1; 3 kernels: each puts 1/3 on every choice, +1
  // on its own; the prior kernel is uniform.
  tpe::ParzenEstimator pe({cat}, {{1.5 / 3, 1.5 / 3}}, {1, 1}, 1.0, false);
  const double own = (1 + 1.0 / 3) / 2, other = (1.0 / 3) / 2;
  EXPECT_NEAR(std::exp(pe.LogPdf({1.5 / 3})), (2 * own + 1.0 / 3) / 3, 1e-12);
  EXPECT_NEAR(std::exp(pe.LogPdf({0.5 / 3})), (2 * other + 1.0 / 3) / 3, 1e-12);
}

TEST(TpeSearcherTest, StartupTrialsAreSobolPointsOrTheRandomSearchersDraws) {
  const SearchSpace space = MixedSpace();
  const SobolSequence sobol(space.dims(), 7);
  auto tpe = Make(space, 7);
  History h = RunSequential(*tpe, 10, MixedLoss);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(h.trials[i].params, space.Decode(sobol.Point(i)));
  EXPECT_NE(tpe->Suggest(h, 1)->at(0), space.Decode(sobol.Point(10)));

  auto random = Make(space, 7, {{"startup", std::string("random")}});
  h = RunSequential(*random, 10, MixedLoss);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(h.trials[i].params, space.Decode(RandomUnitPoint(space.dims(), 7, i)));
  EXPECT_NE(random->Suggest(h, 1)->at(0), space.Decode(RandomUnitPoint(space.dims(), 7, 10)));
}

TEST(TpeSearcherTest, SameSeedSameSuggestionsAndStateRebuiltFromHistory) {
  for (bool multivariate : {false, true}) {
    const SearchSpace space = MixedSpace();
    auto a = Make(space, 3, {{"multivariate", multivariate}});
    History h = RunSequential(*a, 30, MixedLoss);
    // A fresh searcher with the same seed replays the same suggestions.
    History replay;
    for (int t = 0; t < 30; ++t) {
      auto fresh = Make(space, 3, {{"multivariate", multivariate}});
      auto p = fresh->Suggest(replay, 1);
      ASSERT_EQ(p->at(0), h.trials[t].params) << t;
      replay.trials.push_back(h.trials[t]);
    }
    auto other = Make(space, 4, {{"multivariate", multivariate}});
    EXPECT_NE(RunSequential(*other, 30, MixedLoss).trials[20].params, h.trials[20].params);
  }
}

TEST(TpeSearcherTest, SuggestionsStayInsideMixedSpace) {
  for (bool multivariate : {false, true}) {
    const SearchSpace space = MixedSpace();
    auto tpe = Make(space, 11, {{"multivariate", multivariate}});
    History h = RunSequential(*tpe, 60, MixedLoss);
    std::set<std::string> choices;
    for (const auto& t : h.trials) {
      EXPECT_TRUE(space.Validate(t.params).ok()) << space.Validate(t.params).ToString();
      choices.insert(ToString(t.params.at("opt")));
    }
    EXPECT_GT(choices.size(), 1u);
    // The model homes in on the best region: the last 20 beat the first 10.
    double startup = 0, late = 0;
    for (int i = 0; i < 10; ++i) startup += *h.trials[i].loss / 10;
    for (int i = 40; i < 60; ++i) late += *h.trials[i].loss / 20;
    EXPECT_LT(late, startup);
  }
}

TEST(TpeSearcherTest, FindsTheOptimumOfA2DQuadratic) {
  // Random search's expected best of 100 draws here is about 0.3.
  for (std::uint64_t seed : {0, 1, 2}) {
    auto tpe = Make(Floats2D(), seed);
    EXPECT_LT(Best(RunSequential(*tpe, 100, Quadratic)), 0.05) << "seed " << seed;
    auto independent = Make(Floats2D(), seed, {{"multivariate", false}});
    EXPECT_LT(Best(RunSequential(*independent, 100, Quadratic)), 0.05) << "independent seed " << seed;
    auto optuna =
        Make(Floats2D(), seed,
             {{"multivariate", false}, {"bandwidth_weighted", false}, {"startup", std::string("random")}});
    EXPECT_LT(Best(RunSequential(*optuna, 100, Quadratic)), 0.05) << "exact-density seed " << seed;
  }
}

TEST(TpeSearcherTest, ParallelSuggestionsDifferAndInFlightTrialsCount) {
  auto tpe = Make(Floats2D(), 5);
  History h = RunSequential(*tpe, 20, Quadratic);
  auto batch = tpe->Suggest(h, 4);
  ASSERT_EQ(batch->size(), 4u);
  EXPECT_EQ(std::set<Params>(batch->begin(), batch->end()).size(), 4u);
  // The batch's first suggestion is what a single Suggest gives; the second
  // is what a single Suggest gives once the first is running (constant liar).
  EXPECT_EQ(tpe->Suggest(h, 1)->at(0), batch->at(0));
  History running = h;
  running.trials.push_back({batch->at(0), TrialState::kRunning, std::nullopt});
  EXPECT_EQ(tpe->Suggest(running, 1)->at(0), batch->at(1));
}

TEST(TpeSearcherTest, WarmStartObservationsCountAsCompletedHistory) {
  const SearchSpace space = Floats2D();
  auto donor = Make(space, 9);
  History warm;
  warm.prior = RunSequential(*donor, 30, Quadratic).trials;
  auto tpe = Make(space, 1);
  auto p = tpe->Suggest(warm, 1);
  // Past n_startup observations the first trial already comes from the model.
  EXPECT_NE(p->at(0), space.Decode(SobolSequence(space.dims(), 1).Point(0)));
  History cold;
  EXPECT_EQ(tpe->Suggest(cold, 1)->at(0), space.Decode(SobolSequence(space.dims(), 1).Point(0)));
  // ...and it is drawn near the warm start's good region.
  EXPECT_LT(Quadratic(p->at(0)), 5.0);
}

// n floats x0 .. x(n-1) in [-5, 5].
SearchSpace Floats(std::size_t n) {
  std::vector<ParamSpec> floats;
  for (std::size_t i = 0; i < n; ++i)
    floats.push_back({"x" + std::to_string(i), FloatDist{-5, 5, false, {}}, std::nullopt, 0});
  return SearchSpace::Create(floats).value();
}

// sum (x_i - 1)^2 over every param.
double SphereAt1(const Params& p) {
  double s = 0;
  for (const auto& [name, value] : p) s += (Num(p, name) - 1) * (Num(p, name) - 1);
  return s;
}

// The params of `trials` sequential trials on SphereAt1.
std::vector<Params> SuggestedOnASphere(const SearchSpace& space, std::uint64_t seed, int trials,
                                       Options options) {
  auto tpe = Make(space, seed, std::move(options));
  std::vector<Params> out;
  for (const auto& t : RunSequential(*tpe, trials, SphereAt1).trials) out.push_back(t.params);
  return out;
}

TEST(TpeSearcherTest, DefaultBandwidthFloorIs0Point075From4ParamsAndNoneBelow) {
  // After 40 trials of a quadratic the good trials cluster, so the floor
  // binds: the default must suggest exactly what the explicit value does,
  // and differ from the other.
  auto run = [](std::size_t dims, Options options) {
    return SuggestedOnASphere(Floats(dims), 5, 40, options);
  };
  EXPECT_EQ(run(4, {}), run(4, {{"bandwidth_floor", 0.075}}));
  EXPECT_NE(run(4, {}), run(4, {{"bandwidth_floor", 0.0}}));
  EXPECT_EQ(run(3, {}), run(3, {{"bandwidth_floor", 0.0}}));
  EXPECT_NE(run(3, {}), run(3, {{"bandwidth_floor", 0.075}}));
  // The univariate TPE keeps Optuna's rule whatever the option says.
  EXPECT_EQ(run(4, {{"multivariate", false}}), run(4, {{"multivariate", false}, {"bandwidth_floor", 0.3}}));
}

TEST(TpeSearcherTest, DefaultMixesInIndependentTrialsFrom5ParamsAndNotBelow) {
  auto run = [](std::size_t dims, Options options) {
    return SuggestedOnASphere(Floats(dims), 3, 30, options);
  };
  EXPECT_EQ(run(5, {}), run(5, {{"independent_every", std::int64_t{2}}}));
  EXPECT_NE(run(5, {}), run(5, {{"independent_every", std::int64_t{0}}}));
  EXPECT_EQ(run(4, {}), run(4, {{"independent_every", std::int64_t{0}}}));
  EXPECT_NE(run(4, {}), run(4, {{"independent_every", std::int64_t{2}}}));
  // Every model-based trial independent is the univariate TPE, floor and all.
  EXPECT_EQ(run(5, {{"independent_every", std::int64_t{1}}}), run(5, {{"multivariate", false}}));
  EXPECT_EQ(run(5, {{"multivariate", false}}),
            run(5, {{"multivariate", false}, {"independent_every", std::int64_t{3}}}));
}

TEST(TpeSearcherTest, TailSearchesCloseToTheBestTrialsOnlyWithAKnownBudget) {
  // 60 completed trials of a 3-D sphere, then the suggestion for trial 60.
  const SearchSpace space = Floats(3);
  auto history_of = [&](std::uint64_t seed) {
    return RunSequential(*Make(space, seed, {{"tail", 0.0}}), 60, SphereAt1);
  };
  auto suggest = [&](const History& h, std::uint64_t seed, Options options, int budget) {
    return Make(space, seed, std::move(options), budget)->Suggest(h, 1).value().at(0);
  };
  // Distance to the nearest of the 6 best trials (gamma(60) = 6).
  auto to_best = [&](const History& h, const Params& p) {
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t i = 0; i < h.trials.size(); ++i) ranked.push_back({*h.trials[i].loss, i});
    std::sort(ranked.begin(), ranked.end());
    double nearest = INFINITY;
    for (std::size_t k = 0; k < 6; ++k) {
      const Params& b = h.trials[ranked[k].second].params;
      double s = 0;
      for (const auto& [name, value] : b) s += (Num(p, name) - Num(b, name)) * (Num(p, name) - Num(b, name));
      nearest = std::min(nearest, std::sqrt(s));
    }
    return nearest;
  };
  double tail = 0, full = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const History h = history_of(seed);
    const Params untailed = suggest(h, seed, {{"tail", 0.0}}, 100);
    // No budget, or before the tail (trial 60 of 200: the tail is 140-199):
    // exactly the untailed suggestion.
    EXPECT_EQ(suggest(h, seed, {}, 0), untailed);
    EXPECT_EQ(suggest(h, seed, {}, 200), untailed);
    // In the tail (trial 60 of 80 with 0.3: 56-79) it differs, and lands
    // nearer the best trials.
    const Params tailed = suggest(h, seed, {}, 80);
    EXPECT_EQ(tailed, suggest(h, seed, {{"tail", 0.3}, {"tail_shrink", 0.1}}, 80));
    EXPECT_NE(tailed, untailed);
    EXPECT_EQ(suggest(h, seed, {{"tail", 0.2}}, 80), untailed);  // 64-79: not yet
    tail += to_best(h, tailed), full += to_best(h, untailed);
  }
  EXPECT_LT(tail, 0.5 * full);
}

TEST(TpeSearcherTest, RejectsUnknownAndOutOfRangeOptions) {
  auto bad = MakeTpeSearcher({{"n_startup_trials", std::int64_t{5}}}, Floats2D(), 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "searcher.n_startup_trials");
  auto negative = MakeTpeSearcher({{"n_startup", std::int64_t{-1}}}, Floats2D(), 0);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().field(), "searcher.n_startup");
  auto wrong_type = MakeTpeSearcher({{"multivariate", std::int64_t{1}}}, Floats2D(), 0);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().field(), "searcher.multivariate");
  auto too_wide = MakeTpeSearcher({{"bandwidth_floor", 1.5}}, Floats2D(), 0);
  ASSERT_FALSE(too_wide.ok());
  EXPECT_EQ(too_wide.status().field(), "searcher.bandwidth_floor");
  auto every = MakeTpeSearcher({{"independent_every", std::int64_t{-2}}}, Floats2D(), 0);
  ASSERT_FALSE(every.ok());
  EXPECT_EQ(every.status().field(), "searcher.independent_every");
  auto tail = MakeTpeSearcher({{"tail", 1.5}}, Floats2D(), 0);
  ASSERT_FALSE(tail.ok());
  EXPECT_EQ(tail.status().field(), "searcher.tail");
  auto shrink = MakeTpeSearcher({{"tail_shrink", 0.0}}, Floats2D(), 0);
  ASSERT_FALSE(shrink.ok());
  EXPECT_EQ(shrink.status().field(), "searcher.tail_shrink");
  auto startup = MakeTpeSearcher({{"startup", std::string("halton")}}, Floats2D(), 0);
  ASSERT_FALSE(startup.ok());
  EXPECT_EQ(startup.status().field(), "searcher.startup");
  EXPECT_TRUE(MakeTpeSearcher({{"n_startup", std::int64_t{3}},
                               {"n_ei_candidates", std::int64_t{50}},
                               {"prior_weight", 2.0},
                               {"multivariate", true},
                               {"bandwidth_weighted", false},
                               {"bandwidth_floor", 0.1},
                               {"startup", std::string("random")},
                               {"tail", 0.5},
                               {"tail_shrink", 1.0}},
                              Floats2D(), 0, 100)
                  .ok());
}

}  // namespace
}  // namespace autotune
