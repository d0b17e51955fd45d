// The gp searcher end to end, and how it reads a History.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include "tuner/searchers/gp/data.h"
#include "tuner/searchers/gp/gp.h"
#include "tuner/searchers/sobol.h"

namespace autotune {
namespace {

ParamSpec Float(const std::string& name, double lo, double hi, bool log = false) {
  return {name, FloatDist{lo, hi, log, {}}, {}, 0};
}
ParamSpec Int(const std::string& name, std::int64_t lo, std::int64_t hi) {
  return {name, IntDist{lo, hi, false, {}}, {}, 0};
}
ParamSpec Cat(const std::string& name, std::vector<ParamValue> choices) {
  return {name, CategoricalDist{std::move(choices)}, {}, 0};
}

double Num(const Params& p, const std::string& name) {
  double v = 0;
  AsNumber(p.at(name), &v);
  return v;
}

SearchSpace QuadraticSpace() { return SearchSpace::Create({Float("x", -1, 1), Float("y", -1, 1)}).value(); }
double Quadratic(const Params& p) { return std::pow(Num(p, "x") - 0.3, 2) + std::pow(Num(p, "y") + 0.2, 2); }

SearchSpace MixedSpace() {
  return SearchSpace::Create({Float("lr", 1e-4, 1, true), Int("depth", 1, 12),
                              Cat("opt", {std::string("sgd"), std::string("adam"), std::string("rmsprop")})})
      .value();
}
double Mixed(const Params& p) {
  const double lr = std::log10(Num(p, "lr")) + 2;  // best lr = 0.01
  const double opt = std::get<std::string>(p.at("opt")) == "adam" ? 0 : 1;
  return lr * lr + 0.1 * std::pow(Num(p, "depth") - 7, 2) + opt;
}

// Runs `trials` sequential trials; returns the history.
History RunTrials(Searcher& s, const std::function<double(const Params&)>& f, int trials) {
  History h;
  for (int t = 0; t < trials; ++t) {
    auto p = s.Suggest(h, 1);
    EXPECT_TRUE(p.ok());
    EXPECT_EQ(p->size(), 1u);
    h.trials.push_back({p->at(0), TrialState::kCompleted, f(p->at(0))});
  }
  return h;
}

double BestLoss(const History& h) {
  double best = INFINITY;
  for (const auto& o : h.trials) best = std::min(best, *o.loss);
  return best;
}

TEST(GpSearcherTest, FindsTheMinimumOfA2dQuadratic) {
  auto s = MakeGpSearcher({}, QuadraticSpace(), 1).value();
  EXPECT_LT(BestLoss(RunTrials(*s, Quadratic, 25)), 1e-4);
}

TEST(GpSearcherTest, SuggestionsStayInsideAMixedSpaceAndFindItsBestCells) {
  const SearchSpace space = MixedSpace();
  auto s = MakeGpSearcher({}, space, 2).value();
  History h = RunTrials(*s, Mixed, 30);
  for (const auto& o : h.trials) EXPECT_TRUE(space.Validate(o.params).ok()) << ToString(o.params);
  // Optimum: adam, depth 7, lr 0.01 (loss 0); the next cell costs ≥ 0.1.
  EXPECT_LT(BestLoss(h), 0.05);
}

TEST(GpSearcherTest, FindsTheBestValueOfAnIntWithManyValues) {
  // Too many values to scan: the continuous relaxation is searched and rounded.
  const SearchSpace space = SearchSpace::Create({Int("k", 0, 1000)}).value();
  auto s = MakeGpSearcher({}, space, 3).value();
  History h = RunTrials(
      *s, [](const Params& p) { return std::pow(Num(p, "k") - 637, 2); }, 20);
  EXPECT_LE(BestLoss(h), 4.0);  // within two of 637
  for (const auto& o : h.trials) EXPECT_TRUE(space.Validate(o.params).ok()) << ToString(o.params);
}

TEST(GpSearcherTest, ModelsALongHistoryThroughASubsetAndStillImproves) {
  // 600 random trials (more than max_points): the suggestion comes from the
  // best and the most recent points and lands near the minimum.
  const SearchSpace space = QuadraticSpace();
  auto sobol = MakeSobolSearcher({}, space, 1).value();
  History h;
  const std::vector<Params> points = sobol->Suggest({}, 600).value();
  for (const auto& p : points) h.trials.push_back({p, TrialState::kCompleted, Quadratic(p)});
  auto s = MakeGpSearcher({{"max_points", std::int64_t{100}}}, space, 2).value();
  const Params next = s->Suggest(h, 1).value()[0];
  EXPECT_LT(Quadratic(next), BestLoss(h) + 1e-4) << ToString(next);
}

TEST(GpSearcherTest, SameSeedAndHistoryGiveTheSameSuggestions) {
  auto a = MakeGpSearcher({}, QuadraticSpace(), 7).value();
  History h = RunTrials(*a, Quadratic, 9);
  auto b = MakeGpSearcher({}, QuadraticSpace(), 7).value();
  auto c = MakeGpSearcher({}, QuadraticSpace(), 8).value();
  EXPECT_EQ(a->Suggest(h, 2).value(), b->Suggest(h, 2).value());
  EXPECT_NE(a->Suggest(h, 2).value(), c->Suggest(h, 2).value());
}

TEST(GpSearcherTest, InitialPhaseFollowsTheSobolSequence) {
  const SearchSpace space = MixedSpace();
  auto gp = MakeGpSearcher({{"n_initial", std::int64_t{6}}}, space, 4).value();
  auto sobol = MakeSobolSearcher({}, space, 4).value();
  EXPECT_EQ(gp->Suggest({}, 6).value(), sobol->Suggest({}, 6).value());
}

TEST(GpSearcherTest, ParallelSuggestionsAreDistinctFromEachOtherAndFromTrialsInFlight) {
  for (const SearchSpace& space : {QuadraticSpace(), MixedSpace()}) {
    auto s = MakeGpSearcher({}, space, 3).value();
    auto f = space.dims() == 2 ? std::function<double(const Params&)>(Quadratic) : Mixed;
    History h = RunTrials(*s, f, 12);
    auto in_flight = s->Suggest(h, 2).value();
    for (const auto& p : in_flight) h.trials.push_back({p, TrialState::kRunning, std::nullopt});
    auto batch = s->Suggest(h, 4).value();
    ASSERT_EQ(batch.size(), 4u);
    std::set<Params> seen(in_flight.begin(), in_flight.end());
    for (const auto& p : batch) EXPECT_TRUE(seen.insert(p).second) << "repeated " << ToString(p);
  }
}

TEST(GpSearcherTest, FourParallelWorkersStillFindTheMinimum) {
  // Each worker finishes its trial (oldest first) and asks for a new one while
  // three others are running.
  auto s = MakeGpSearcher({}, QuadraticSpace(), 6).value();
  History h;
  std::size_t next_to_finish = 0;
  while (h.trials.size() < 40) {
    while (h.trials.size() - next_to_finish < 4) {
      auto p = s->Suggest(h, 1).value();
      h.trials.push_back({p[0], TrialState::kRunning, std::nullopt});
    }
    Observation& o = h.trials[next_to_finish++];
    o.state = TrialState::kCompleted;
    o.loss = Quadratic(o.params);
  }
  double best = INFINITY;
  for (std::size_t i = 0; i < next_to_finish; ++i) best = std::min(best, *h.trials[i].loss);
  EXPECT_LT(best, 1e-4);
}

TEST(GpSearcherTest, WarmStartObservationsSkipTheInitialPhaseAndGuideTheFirstTrial) {
  const SearchSpace space = QuadraticSpace();
  History h;
  auto sobol = MakeSobolSearcher({}, space, 99).value();
  const std::vector<Params> points = sobol->Suggest({}, 16).value();
  for (const auto& p : points) h.prior.push_back({p, TrialState::kCompleted, Quadratic(p)});
  auto s = MakeGpSearcher({}, space, 5).value();
  auto first = s->Suggest(h, 1).value();
  EXPECT_LT(Quadratic(first[0]), 0.01) << ToString(first[0]);
}

TEST(GpSearcherTest, DoesNotSuggestAFailedPointAgain) {
  const SearchSpace space = SearchSpace::Create({Int("k", 0, 20)}).value();
  History h;
  for (std::int64_t k : {0, 4, 8, 12, 16, 20}) {
    h.trials.push_back({{{"k", k}}, TrialState::kCompleted, std::pow(double(k) - 10, 2)});
  }
  auto s = MakeGpSearcher({}, space, 0).value();
  const Params choice = s->Suggest(h, 1).value()[0];
  h.trials.push_back({choice, TrialState::kFailed, std::nullopt});
  const Params next = s->Suggest(h, 1).value()[0];
  EXPECT_NE(next, choice);
}

TEST(GpSearcherTest, RejectsUnknownAndInvalidOptions) {
  auto unknown = MakeGpSearcher({{"n_startup", std::int64_t{3}}}, QuadraticSpace(), 0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().field(), "searcher.n_startup");
  auto liar = MakeGpSearcher({{"liar", std::string("median")}}, QuadraticSpace(), 0);
  ASSERT_FALSE(liar.ok());
  EXPECT_EQ(liar.status().field(), "searcher.liar");
  EXPECT_TRUE(
      MakeGpSearcher({{"n_initial", std::int64_t{3}}, {"deterministic", true}, {"liar", std::string("mean")}},
                     QuadraticSpace(), 0)
          .ok());
}

TEST(GpDataTest, SortsTrialsIntoObservationsBadOnesAndInFlight) {
  const SearchSpace space = QuadraticSpace();
  History h;
  h.prior.push_back({{{"x", 0.0}, {"y", 0.0}}, TrialState::kCompleted, 2.0});
  h.trials.push_back({{{"x", 0.5}, {"y", 0.5}}, TrialState::kCompleted, 1.0});
  h.trials.push_back({{{"x", -0.5}, {"y", 0.5}}, TrialState::kFailed, std::nullopt});
  h.trials.push_back({{{"x", 0.5}, {"y", -0.5}}, TrialState::kRunning, std::nullopt});
  h.trials.push_back({{{"x", 0.1}, {"y", 0.1}}, TrialState::kPruned, 0.5});
  h.trials.push_back({{{"x", 0.2}, {"y", 0.1}}, TrialState::kCompleted, 3.0});
  const gp::GpData d = gp::CollectData(h, space);
  ASSERT_EQ(d.loss.size(), 5u);
  EXPECT_EQ(d.measured, 3u);
  // History order; failed and pruned take the worst measured loss (3).
  EXPECT_EQ(d.loss, (std::vector<double>{2.0, 1.0, 3.0, 3.0, 3.0}));
  EXPECT_NEAR(d.x[1][0], 0.75, 1e-12);
  ASSERT_EQ(d.in_flight.size(), 1u);
  EXPECT_NEAR(d.in_flight[0][1], 0.25, 1e-12);
  EXPECT_EQ(d.taken.size(), 6u);
}

TEST(GpDataTest, BadTrialsAreDroppedWhileNothingIsMeasured) {
  History h;
  h.trials.push_back({{{"x", 0.5}, {"y", 0.5}}, TrialState::kFailed, std::nullopt});
  const gp::GpData d = gp::CollectData(h, QuadraticSpace());
  EXPECT_TRUE(d.loss.empty());
  EXPECT_TRUE(d.x.empty());
}

Eigen::VectorXd Vec(std::vector<double> v) { return Eigen::Map<Eigen::VectorXd>(v.data(), v.size()); }

TEST(GpDataTest, TargetsAreStandardisedLossesWhenNoLossIsFarAboveTheMedian) {
  const Eigen::VectorXd y = gp::ModelTargets(Vec({1, 2, 3, 4, 5}), 2.0);
  const double sd = std::sqrt(2.0);  // population standard deviation of 1..5
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(y[i], (i + 1 - 3) / sd, 1e-12);
}

TEST(GpDataTest, HugeLossesAreCompressedSoTheGoodOnesStayApart) {
  const Eigen::VectorXd loss = Vec({1, 2, 3, 4, 1e9});
  const Eigen::VectorXd y = gp::ModelTargets(loss, 2.0);
  for (int i = 0; i < 4; ++i) EXPECT_LT(y[i], y[i + 1]);
  EXPECT_NEAR(y[1] - y[0], y[2] - y[1], 1e-12);  // the good values keep their spacing
  EXPECT_GT(y[1] - y[0], 0.2);
  // Plain standardisation would squeeze 1..4 together.
  const Eigen::VectorXd plain = gp::ModelTargets(loss, std::numeric_limits<double>::infinity());
  EXPECT_LT(plain[3] - plain[0], 1e-6);
  EXPECT_NEAR(y.mean(), 0, 1e-12);
  EXPECT_NEAR(y.squaredNorm() / 5, 1, 1e-12);
}

TEST(GpSearcherTest, DivergedTrialsDoNotHideTheMinimum) {
  // A quarter of the space "diverges" with an enormous loss.
  auto f = [](const Params& p) { return Num(p, "x") < -0.5 ? 1e9 : Quadratic(p); };
  auto s = MakeGpSearcher({}, QuadraticSpace(), 4).value();
  EXPECT_LT(BestLoss(RunTrials(*s, f, 30)), 1e-3);
}

TEST(GpDataTest, SubsetKeepsTheBestHalfAndTheMostRecent) {
  std::vector<double> loss = {5, 0, 9, 1, 8, 7, 6, 2};
  EXPECT_EQ(gp::SelectSubset(loss, 10).size(), 8u);
  // Best two: indices 1 and 3; then the most recent: 7, 6.
  EXPECT_EQ(gp::SelectSubset(loss, 4), (std::vector<std::size_t>{1, 3, 6, 7}));
}

}  // namespace
}  // namespace autotune
