// ASHA against the paper's rule on a hand-checked sequence, its rungs and
// brackets, its options; and the `none` scheduler.
#include "tuner/schedulers/asha.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

StudySpec Spec(const std::string& scheduler, int max_steps = 9) {
  std::string text = R"({"name": "s", "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "trial": {"command": ["/bin/true"], "max_steps": )" +
                     std::to_string(max_steps) + R"(}, "scheduler": )" + scheduler + "}";
  auto parsed = ParseStudySpec(text, "/");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed->spec;
}

std::unique_ptr<Scheduler> Make(const std::string& scheduler, int max_steps = 9) {
  auto s = MakeScheduler(Spec(scheduler, max_steps));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Drives a scheduler the way the coordinator does with one worker: planned
// segments first, then ResumeNext, then a new trial while the budget lasts.
// Returns the segments run, as "t<number>[begin,end)".
std::vector<std::string> Drive(Scheduler& s, int max_trials, std::int64_t max_steps,
                               const std::map<std::pair<int, std::int64_t>, double>& loss) {
  History h;
  std::vector<std::string> ran;
  std::map<int, std::int64_t> planned;  // number -> step_end of its next segment
  auto run = [&](int n, std::int64_t end) {
    Observation& o = h.trials[n];
    ran.push_back("t" + std::to_string(n) + "[" + std::to_string(o.step) + "," + std::to_string(end) + ")");
    o.state = TrialState::kRunning;
    o.step = end;
    o.intermediate.emplace_back(end, loss.at({n, end}));
    Decision d = end >= max_steps ? Decision::Complete() : s.OnSegmentEnd(h, n);
    if (d.kind == Decision::Kind::kContinue) {
      o.state = TrialState::kPending;
      planned[n] = d.step_end;
    } else if (d.kind == Decision::Kind::kPause) {
      o.state = TrialState::kPaused;
    } else {
      o.state = d.kind == Decision::Kind::kComplete ? TrialState::kCompleted : TrialState::kPruned;
    }
  };
  for (int guard = 0; guard < 1000; ++guard) {
    if (!planned.empty()) {
      auto [n, end] = *planned.begin();
      planned.erase(planned.begin());
      run(n, end);
      continue;
    }
    if (auto r = s.ResumeNext(h, static_cast<int>(h.trials.size()) >= max_trials)) {
      EXPECT_EQ(h.trials[r->first].state, TrialState::kPaused);
      EXPECT_EQ(r->second.kind, Decision::Kind::kContinue);
      run(r->first, r->second.step_end);
      continue;
    }
    if (static_cast<int>(h.trials.size()) >= max_trials) break;
    h.trials.emplace_back();
    const int n = static_cast<int>(h.trials.size()) - 1;
    run(n, s.FirstSegmentEnd(h, n));
  }
  return ran;
}

TEST(AshaTest, PromotesByThePapersRuleOnAHandCheckedSequence) {
  // η = 3, rungs at 1, 3 and 9 steps. Losses at step 1 of trials 0..8:
  // 5 3 8 1 6 2 7 4 9; at step 3: t1 2.5, t3 0.5, t5 1.5; at step 9: t3 0.2.
  auto s = Make(R"({"algorithm": "asha", "reduction_factor": 3, "min_steps": 1})");
  std::map<std::pair<int, std::int64_t>, double> loss;
  const double first[] = {5, 3, 8, 1, 6, 2, 7, 4, 9};
  for (int n = 0; n < 9; ++n) loss[{n, 1}] = first[n];
  loss[{1, 3}] = 2.5, loss[{3, 3}] = 0.5, loss[{5, 3}] = 1.5, loss[{3, 9}] = 0.2;
  // By hand: rung 0 holds 1, 2, 3... trials; its top ⌊n/3⌋ is promoted when a
  // worker is free, the highest rung first:
  //   t0, t1 (top 0 of 2), t2 -> top 1 of 3 = t1 promoted to 3; rung 1 has
  //   only t1 (top 0); t3 -> top 1 of 4 = t3 (loss 1) promoted; t3 at step 3;
  //   t4 -> top 1 of 5 is t3, already promoted; t5 -> top 2 of 6 = {t3, t5}:
  //   t5 promoted; rung 1 = {t1 2.5, t3 0.5, t5 1.5}: top 1 = t3 promoted to 9;
  //   then t6, t7, t8 (rung 0 top 3 = t3, t5, t1, all promoted).
  const std::vector<std::string> expected = {"t0[0,1)", "t1[0,1)", "t2[0,1)", "t1[1,3)", "t3[0,1)",
                                             "t3[1,3)", "t4[0,1)", "t5[0,1)", "t5[1,3)", "t3[3,9)",
                                             "t6[0,1)", "t7[0,1)", "t8[0,1)"};
  // With the budget spent, rung 1 = {t1, t3, t5} promotes its top ⌈3/3⌉ = t3,
  // already promoted; rung 0's top ⌈9/3⌉ = 3 likewise: nothing more runs.
  EXPECT_EQ(Drive(*s, 9, 9, loss), expected);
}

TEST(AshaTest, OnceNoTrialWillComeEachRungPromotesItsTopCeilingSoTheBestFinish) {
  // Nine trials, rungs 1, 3, 9, 27: ⌊n/3⌋ would leave the single trial at
  // step 9 paused forever and no trial would complete.
  auto s = Make(R"({"algorithm": "asha", "min_steps": 1})", 27);
  std::map<std::pair<int, std::int64_t>, double> loss;
  for (int n = 0; n < 9; ++n)
    for (std::int64_t step : {1, 3, 9, 27}) loss[{n, step}] = n + 1.0 / static_cast<double>(step);
  auto ran = Drive(*s, 9, 27, loss);
  EXPECT_NE(std::find(ran.begin(), ran.end(), "t0[9,27)"), ran.end()) << ::testing::PrintToString(ran);
  History h;
  for (int n = 0; n < 2; ++n) {
    Observation o;
    o.state = TrialState::kPaused;
    o.step = 3;
    o.intermediate = {{1, 0.0}, {3, 1.0 + n}};
    h.trials.push_back(o);
  }
  EXPECT_FALSE(s->ResumeNext(h, false));  // ⌊2/3⌋ = 0
  auto r = s->ResumeNext(h, true);         // ⌈2/3⌉ = 1
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0);
  EXPECT_EQ(r->second.step_end, 9);
}

TEST(AshaTest, PausesAtEachRungAndCompletesAtMaxSteps) {
  auto s = Make(R"({"algorithm": "asha", "min_steps": 1})");
  History h;
  h.trials.emplace_back();
  EXPECT_EQ(s->FirstSegmentEnd(h, 0), 1);
  h.trials[0].step = 1;
  h.trials[0].intermediate = {{1, 0.5}};
  EXPECT_EQ(s->OnSegmentEnd(h, 0).kind, Decision::Kind::kPause);
  h.trials[0].step = 9;
  EXPECT_EQ(s->OnSegmentEnd(h, 0).kind, Decision::Kind::kComplete);
  // A step between rungs (a plan made under other options) runs to the next rung.
  h.trials[0].step = 2;
  Decision d = s->OnSegmentEnd(h, 0);
  EXPECT_EQ(d.kind, Decision::Kind::kContinue);
  EXPECT_EQ(d.step_end, 3);
}

TEST(AshaTest, RungsGrowByTheReductionFactorUpToMaxSteps) {
  AshaOptions o;
  o.reduction_factor = 3;
  o.min_steps = 2;
  EXPECT_EQ(AshaRungs(o, 100, 0), (std::vector<std::int64_t>{2, 6, 18, 54, 100}));
  EXPECT_EQ(AshaRungs(o, 100, 1), (std::vector<std::int64_t>{6, 18, 54, 100}));
  EXPECT_EQ(AshaRungs(o, 54, 3), (std::vector<std::int64_t>{54}));
  o.reduction_factor = 2;
  o.min_steps = 1;
  EXPECT_EQ(AshaRungs(o, 5, 0), (std::vector<std::int64_t>{1, 2, 4, 5}));
}

TEST(AshaTest, BracketsTakeTrialsInTurnAndStartAtLaterRungs) {
  auto s = Make(R"({"algorithm": "asha", "min_steps": 1, "brackets": 2})", 27);
  History h;
  for (int n = 0; n < 4; ++n) h.trials.emplace_back();
  EXPECT_EQ(s->FirstSegmentEnd(h, 0), 1);
  EXPECT_EQ(s->FirstSegmentEnd(h, 1), 3);
  EXPECT_EQ(s->FirstSegmentEnd(h, 2), 1);
  EXPECT_EQ(s->FirstSegmentEnd(h, 3), 3);
  // Rungs are per bracket: three trials of bracket 0 at step 1 promote one;
  // bracket 1's trials do not count in that rung.
  for (int n : {0, 2}) {
    h.trials[n].state = TrialState::kPaused;
    h.trials[n].step = 1;
    h.trials[n].intermediate = {{1, n == 0 ? 2.0 : 1.0}};
  }
  h.trials[1].state = TrialState::kPaused;
  h.trials[1].step = 3;
  h.trials[1].intermediate = {{3, 0.1}};
  EXPECT_FALSE(s->ResumeNext(h, false));
  h.trials.emplace_back();
  h.trials[4].state = TrialState::kPaused;
  h.trials[4].step = 1;
  h.trials[4].intermediate = {{1, 3.0}};
  auto r = s->ResumeNext(h, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 2);
  EXPECT_EQ(r->second.step_end, 3);
}

TEST(AshaTest, NanLossesRankLast) {
  auto s = Make(R"({"algorithm": "asha", "min_steps": 1})");
  History h;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double l : {nan, 7.0, 8.0}) {
    Observation o;
    o.state = TrialState::kPaused;
    o.step = 1;
    o.intermediate = {{1, l}};
    h.trials.push_back(o);
  }
  auto r = s->ResumeNext(h, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 1);
}

TEST(AshaTest, OptionsThatCannotWorkAreRefusedNamingTheField) {
  struct Case {
    std::string scheduler;
    int max_steps;
    std::string field;
  };
  const std::vector<Case> cases = {
      {R"({"algorithm": "asha", "reduction_factor": 1})", 9, "scheduler.reduction_factor"},
      {R"({"algorithm": "asha", "min_steps": 0})", 9, "scheduler.min_steps"},
      {R"({"algorithm": "asha", "min_steps": 9})", 9, "scheduler.min_steps"},
      {R"({"algorithm": "asha", "brackets": 0})", 9, "scheduler.brackets"},
      {R"({"algorithm": "asha", "brackets": 5})", 9, "scheduler.brackets"},
      {R"({"algorithm": "asha", "eta": 3})", 9, "scheduler.eta"},
      {R"({"algorithm": "asha"})", 1, "trial.max_steps"},
      {R"({"algorithm": "hyperdrive"})", 9, "scheduler.algorithm"},
      {R"({"algorithm": "none", "min_steps": 2})", 9, "scheduler.min_steps"},
      {R"({"algorithm": "asha", "min_steps": [1, 2]})", 9, "scheduler.min_steps"},
      {R"({"algorithm": "asha", "perturbation_factors": [1, 2]})", 9, "scheduler.perturbation_factors"},
      {R"({"algorithm": "asha", "mutations": {"x": [0.1, 0.2]}})", 9, "scheduler.mutations"},
  };
  for (const auto& c : cases) {
    auto s = MakeScheduler(Spec(c.scheduler, c.max_steps));
    ASSERT_FALSE(s.ok()) << c.scheduler;
    EXPECT_EQ(s.status().field(), c.field) << c.scheduler << ": " << s.status().ToString();
  }
}

TEST(AshaTest, AskTellStudiesTakeNoScheduler) {
  auto parsed = ParseStudySpec(R"({"name": "s", "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "scheduler": {"algorithm": "asha"}})",
                               "/");
  ASSERT_TRUE(parsed.ok());
  auto s = MakeScheduler(parsed->spec);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().field(), "scheduler.algorithm");
}

TEST(NoSchedulerTest, OneSegmentPerTrialToMaxSteps) {
  auto s = Make(R"({"algorithm": "none"})", 7);
  History h;
  h.trials.emplace_back();
  EXPECT_EQ(s->FirstSegmentEnd(h, 0), 7);
  EXPECT_FALSE(s->ResumeNext(h, false));
  EXPECT_TRUE(s->AcceptsNewTrial(h));
}

}  // namespace
}  // namespace autotune
