// PBT's decisions on scripted histories: who copies whom, quantiles, ties,
// explore, sync generations, searcher-driven generations, replay, options.
#include "tuner/schedulers/pbt.h"

#include <gtest/gtest.h>

#include <set>

#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

StudySpec Spec(const std::string& scheduler, int max_steps = 40, int max_trials = 4, int parallel = 4,
               const std::string& searcher = "random") {
  std::string text = R"({"name": "s", "space": {"lr": {"type": "float", "low": 1e-4, "high": 1, "log": true},
      "depth": {"type": "int", "low": 1, "high": 8}, "opt": {"type": "categorical", "choices": ["sgd", "adam", "lamb"]}},
    "searcher": {"algorithm": ")" +
                     searcher + R"("},
    "trial": {"command": ["/bin/true"], "max_steps": )" +
                     std::to_string(max_steps) + R"(}, "budget": {"max_trials": )" +
                     std::to_string(max_trials) + R"(, "max_parallel": )" + std::to_string(parallel) +
                     R"(}, "scheduler": )" + scheduler + "}";
  auto parsed = ParseStudySpec(text, "/");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed->spec;
}

std::unique_ptr<Scheduler> Make(const StudySpec& spec) {
  auto s = MakeScheduler(spec);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

Observation Member(double lr, std::int64_t step, double loss, TrialState state = TrialState::kRunning) {
  Observation o({{"lr", lr}, {"depth", std::int64_t{4}}, {"opt", std::string("adam")}}, state, std::nullopt);
  o.step = step;
  o.intermediate = {{step, loss}};
  o.has_checkpoint = true;
  return o;
}

TEST(PbtTest, TheBottomQuantileCopiesTheTopAndEveryoneElseContinues) {
  auto s = Make(Spec(R"({"algorithm": "pbt", "perturbation_interval": 10})", 40, 8, 8));
  History h;
  // Losses 0..7 for members 0..7: k = ceil(8 * 0.25) = 2; top {0, 1}, bottom {6, 7}.
  for (int i = 0; i < 8; ++i) h.trials.push_back(Member(0.01 * (i + 1), 10, i));
  for (int i = 0; i < 8; ++i) {
    Decision d = s->OnSegmentEnd(h, i);
    if (i >= 6) {
      ASSERT_EQ(d.kind, Decision::Kind::kExploit) << i;
      EXPECT_TRUE(d.source == 0 || d.source == 1) << d.source;
      EXPECT_EQ(d.step_end, 20);
      EXPECT_NE(d.params, h.trials[d.source].params);  // explored
    } else {
      ASSERT_EQ(d.kind, Decision::Kind::kContinue) << i;
      EXPECT_EQ(d.step_end, 20);
      EXPECT_TRUE(d.params.empty());
    }
  }
}

TEST(PbtTest, KIsAtMostHalfThePopulationAndSourcesNeedACheckpoint) {
  auto s =
      Make(Spec(R"({"algorithm": "pbt", "perturbation_interval": 10, "quantile_fraction": 0.5})", 40, 3, 3));
  History h;
  for (int i = 0; i < 3; ++i) h.trials.push_back(Member(0.1, 10, i));
  // N = 3: k = min(ceil(1.5), 1) = 1, so member 1 (the middle) continues.
  EXPECT_EQ(s->OnSegmentEnd(h, 1).kind, Decision::Kind::kContinue);
  EXPECT_EQ(s->OnSegmentEnd(h, 2).kind, Decision::Kind::kExploit);
  h.trials[0].has_checkpoint = false;  // the only top member cannot be copied
  EXPECT_EQ(s->OnSegmentEnd(h, 2).kind, Decision::Kind::kContinue);
  h.trials[0].has_checkpoint = true;
  h.trials[0].state = TrialState::kFailed;  // failed members neither rank nor lend
  Decision d = s->OnSegmentEnd(h, 2);
  EXPECT_EQ(d.kind, Decision::Kind::kExploit);
  EXPECT_EQ(d.source, 1);
}

TEST(PbtTest, TiesAreBrokenAtRandomSoEqualScoresStillCopy) {
  auto s = Make(Spec(R"({"algorithm": "pbt", "perturbation_interval": 4})", 40, 2, 2));
  History h;
  h.trials.push_back(Member(0.1, 4, 0.39));
  h.trials.push_back(Member(0.2, 4, 0.39));
  const int exploits = (s->OnSegmentEnd(h, 0).kind == Decision::Kind::kExploit) +
                       (s->OnSegmentEnd(h, 1).kind == Decision::Kind::kExploit);
  EXPECT_EQ(exploits, 1);  // exactly one of the two is ranked last
}

TEST(PbtTest, ExploreMultipliesClipsKeepsIntsAndMovesCategoricalsToANeighbour) {
  const StudySpec spec =
      Spec(R"({"algorithm": "pbt", "perturbation_interval": 10, "resample_probability": 0})");
  PbtOptions o;
  o.resample_probability = 0;
  const Params start = {{"lr", 0.5}, {"depth", std::int64_t{4}}, {"opt", std::string("adam")}};
  std::set<double> lrs;
  std::set<std::int64_t> depths;
  std::set<std::string> opts;
  for (std::uint64_t stream = 0; stream < 200; ++stream) {
    Params p = PbtExplore(o, spec.space, start, 7, stream);
    lrs.insert(std::get<double>(p.at("lr")));
    depths.insert(std::get<std::int64_t>(p.at("depth")));
    opts.insert(std::get<std::string>(p.at("opt")));
  }
  EXPECT_EQ(lrs, (std::set<double>{0.4, 0.6}));
  EXPECT_EQ(depths, (std::set<std::int64_t>{3, 5}));  // round(4 * 0.8) = 3, round(4 * 1.2) = 5
  EXPECT_EQ(opts, (std::set<std::string>{"sgd", "lamb"}));
  // Clipped to the space.
  Params high = start;
  high["lr"] = 1.0;
  high["depth"] = std::int64_t{8};
  for (std::uint64_t stream = 0; stream < 50; ++stream) {
    Params p = PbtExplore(o, spec.space, high, 7, stream);
    EXPECT_LE(std::get<double>(p.at("lr")), 1.0);
    EXPECT_LE(std::get<std::int64_t>(p.at("depth")), 8);
  }
  // Resampling draws from the mutation's distribution.
  o.resample_probability = 1;
  ParamSpec lr_values{"lr", CategoricalDist{{1e-3, 1e-2}}, std::nullopt, 0};
  o.mutations = {lr_values};
  for (std::uint64_t stream = 0; stream < 50; ++stream) {
    Params p = PbtExplore(o, spec.space, start, 7, stream);
    const double lr = std::get<double>(p.at("lr"));
    EXPECT_TRUE(lr == 1e-3 || lr == 1e-2) << lr;
    EXPECT_EQ(p.at("opt"), start.at("opt"));  // not a mutation: unchanged
  }
}

TEST(PbtTest, SyncModeDecidesAGenerationTogetherAtTheSameStep) {
  auto s = Make(Spec(R"({"algorithm": "pbt", "perturbation_interval": 10, "mode": "sync"})", 40, 4, 4));
  History h;
  for (int i = 0; i < 4; ++i) h.trials.push_back(Member(0.1, 10, i, TrialState::kPaused));
  h.trials[3] = Member(0.1, 0, 0, TrialState::kRunning);  // still on its way to step 10
  h.trials[3].intermediate.clear();
  EXPECT_EQ(s->OnSegmentEnd(h, 0).kind, Decision::Kind::kPause);
  EXPECT_FALSE(s->ResumeNext(h, false));  // member 3 has not reached the barrier
  h.trials[3] = Member(0.1, 10, 3, TrialState::kPaused);
  std::vector<Decision::Kind> kinds;
  std::vector<int> order;
  for (int round = 0; round < 4; ++round) {
    auto r = s->ResumeNext(h, false);
    ASSERT_TRUE(r);
    order.push_back(r->first);
    kinds.push_back(r->second.kind);
    h.trials[r->first].state = TrialState::kRunning;  // resumed, still at step 10
  }
  EXPECT_FALSE(s->ResumeNext(h, false));
  // The exploit first (its source is still at step 10), then in number order.
  EXPECT_EQ(order, (std::vector<int>{3, 0, 1, 2}));
  EXPECT_EQ(kinds, (std::vector<Decision::Kind>{Decision::Kind::kExploit, Decision::Kind::kContinue,
                                                Decision::Kind::kContinue, Decision::Kind::kContinue}));
}

TEST(PbtTest, SyncModeWaitsForMembersNotCreatedYet) {
  // Two of four members exist (two slots): the barrier at step 10 waits for
  // the other two, unless the study will create no more trials.
  auto s = Make(Spec(R"({"algorithm": "pbt", "perturbation_interval": 10, "population": 4, "mode": "sync"})",
                     40, 4, 2));
  History h;
  h.trials.push_back(Member(0.1, 10, 1, TrialState::kPaused));
  h.trials.push_back(Member(0.1, 10, 2, TrialState::kPaused));
  EXPECT_FALSE(s->ResumeNext(h, false));
  EXPECT_TRUE(s->ResumeNext(h, true));
  h.trials.push_back(Member(0.1, 10, 3, TrialState::kPaused));
  h.trials.push_back(Member(0.1, 10, 4, TrialState::kPaused));
  auto r = s->ResumeNext(h, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->second.kind, Decision::Kind::kExploit);  // the worst copies one of the best, at step 10
  EXPECT_EQ(r->second.step_end, 20);
}

TEST(PbtTest, PopulationBoundsNewTrials) {
  auto s = Make(Spec(R"({"algorithm": "pbt", "perturbation_interval": 10, "population": 3})", 40, 5, 2));
  History h;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(s->AcceptsNewTrial(h));
    h.trials.push_back(Member(0.1, 0, 0));
  }
  EXPECT_FALSE(s->AcceptsNewTrial(h));
  EXPECT_EQ(s->FirstSegmentEnd(h, 0), 10);
}

TEST(PbtTest, SearcherDrivenGenerationsContinueFromTheBestHalfRoundRobin) {
  auto s = Make(
      Spec(R"({"algorithm": "pbt", "perturbation_interval": 10, "population": 4, "explore": "searcher"})", 20,
           8, 4, "hazero"));
  History h;
  for (int i = 0; i < 4; ++i) h.trials.push_back(Member(0.1, 0, 0, TrialState::kRunning));
  EXPECT_FALSE(s->AcceptsNewTrial(h));  // generation 0 still runs
  EXPECT_FALSE(s->Inherit(h, 1));
  const double losses[] = {3, 1, 2, 4};
  for (int i = 0; i < 4; ++i) {
    h.trials[i] = Member(0.1, 10, losses[i], TrialState::kCompleted);
    h.trials[i].loss = losses[i];
  }
  EXPECT_EQ(s->OnSegmentEnd(h, 0).kind, Decision::Kind::kComplete);
  EXPECT_TRUE(s->AcceptsNewTrial(h));
  std::vector<int> sources;
  for (int n = 4; n < 8; ++n) {
    auto inherit = s->Inherit(h, n);
    ASSERT_TRUE(inherit);
    EXPECT_EQ(inherit->step_end, 20);
    sources.push_back(inherit->source);
  }
  EXPECT_EQ(sources, (std::vector<int>{1, 2, 1, 2}));  // the best half: trials 1 and 2
  for (int n = 4; n < 8; ++n) h.trials.push_back(Member(0.1, 20, 0, TrialState::kCompleted));
  EXPECT_FALSE(s->AcceptsNewTrial(h));  // two generations cover max_steps
}

TEST(PbtTest, OptionsThatCannotWorkAreRefusedNamingTheField) {
  struct Case {
    std::string scheduler;
    std::string field;
    int max_trials = 4;
    std::string searcher = "random";
  };
  const std::vector<Case> cases = {
      {R"({"algorithm": "pbt", "population": 1})", "scheduler.population"},
      {R"({"algorithm": "pbt", "perturbation_interval": 0})", "scheduler.perturbation_interval"},
      {R"({"algorithm": "pbt", "perturbation_interval": 40})", "scheduler.perturbation_interval"},
      {R"({"algorithm": "pbt", "perturbation_factors": [0.8, 0]})", "scheduler.perturbation_factors"},
      {R"({"algorithm": "pbt", "perturbation_factors": 1.2})", "scheduler.perturbation_factors"},
      {R"({"algorithm": "pbt", "quantile_fraction": 0.75})", "scheduler.quantile_fraction"},
      {R"({"algorithm": "pbt", "mode": "lockstep"})", "scheduler.mode"},
      {R"({"algorithm": "pbt", "mutations": {"momentum": [0.9]}})", "scheduler.mutations.momentum"},
      {R"({"algorithm": "pbt", "mutations": {"lr": [0.5, 2.0]}})", "scheduler.mutations.lr"},
      {R"({"algorithm": "pbt", "mutations": {"lr": {"type": "float", "low": 1e-5, "high": 0.1}}})",
       "scheduler.mutations.lr"},
      {R"({"algorithm": "pbt", "mutations": {"opt": ["sgd", "adagrad"]}})", "scheduler.mutations.opt"},
      {R"({"algorithm": "pbt", "population": 6})", "budget.max_trials"},
      {R"({"algorithm": "pbt", "explore": "searcher"})", "scheduler.explore"},
      {R"({"algorithm": "pbt", "explore": "searcher", "perturbation_interval": 10})", "budget.max_trials", 4,
       "tpe"},
      {R"({"algorithm": "replay"})", "scheduler.schedule"},
      {R"({"algorithm": "replay", "schedule": [{"step": 0, "params": {"lr": 7}}]})",
       "scheduler.schedule[0].params"},
  };
  for (const auto& c : cases) {
    auto s = MakeScheduler(Spec(c.scheduler, 40, c.max_trials, 4, c.searcher));
    ASSERT_FALSE(s.ok()) << c.scheduler;
    EXPECT_EQ(s.status().field(), c.field) << c.scheduler << ": " << s.status().ToString();
  }
}

TEST(ReplayTest, RunsOneTrialAlongTheScheduleChangingParamsAtItsSteps) {
  auto s = Make(Spec(R"({"algorithm": "replay", "schedule": [
      {"step": 0, "params": {"lr": 0.1, "depth": 4, "opt": "sgd"}},
      {"step": 12, "params": {"lr": 0.01, "depth": 4, "opt": "sgd"}},
      {"step": 30, "params": {"lr": 0.001, "depth": 4, "opt": "sgd"}}]})"));
  History h;
  EXPECT_TRUE(s->AcceptsNewTrial(h));
  auto first = s->InitialParams(h, 0);
  ASSERT_TRUE(first);
  EXPECT_DOUBLE_EQ(std::get<double>(first->at("lr")), 0.1);
  EXPECT_EQ(s->FirstSegmentEnd(h, 0), 12);
  h.trials.push_back(Member(0.1, 12, 1.0));
  EXPECT_FALSE(s->AcceptsNewTrial(h));
  Decision d = s->OnSegmentEnd(h, 0);
  EXPECT_EQ(d.kind, Decision::Kind::kContinue);
  EXPECT_EQ(d.step_end, 30);
  EXPECT_DOUBLE_EQ(std::get<double>(d.params.at("lr")), 0.01);
  h.trials[0].step = 30;
  d = s->OnSegmentEnd(h, 0);
  EXPECT_EQ(d.step_end, 40);
  EXPECT_DOUBLE_EQ(std::get<double>(d.params.at("lr")), 0.001);
}

}  // namespace
}  // namespace autotune
