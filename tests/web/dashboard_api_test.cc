// The dashboard's routes without sockets: a trial's lineage across PBT
// exploits (GET /api/v1/trials/{id}/lineage), the population's segments
// (GET /api/v1/studies/{id}/lineage), many trials' series at once
// (GET /api/v1/studies/{id}/curves), and what the study list adds for it.
#include "tests/web/api_test_util.h"

namespace autotune::web::testing {
namespace {

// A PBT-shaped history written straight into the store (this branch has no
// PBT scheduler): members train in segments of 10 steps and report "loss"
// at every step.
class DashboardApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    auto study = store_->CreateStudy("pbt", R"({"name": "pbt", "objective": {"metric": "loss", "mode": "min"},
      "space": {"lr": {"type": "float", "low": 0.001, "high": 1, "log": true}},
      "trial": {"command": ["/bin/true"], "max_steps": 30}, "budget": {"max_trials": 3, "max_parallel": 3}})");
    ASSERT_TRUE(study.ok()) << study.status().ToString();
    study_ = study->id;
  }

  std::int64_t NewTrial(double lr) {
    auto t = store_->CreateTrial(study_, Params{{"lr", lr}}, std::nullopt, 0);
    EXPECT_TRUE(t.ok());
    return t->id;
  }

  // Runs [begin, end) of `trial` with `lr`, resuming from `resume` ("" for a
  // fresh start), reporting loss = base - step / 100 at each step, and
  // records checkpoint "<trial>@<end>". An exploit, when given, is applied
  // with the segment's end (the trial then waits, pending).
  std::int64_t Run(std::int64_t trial, std::int64_t begin, std::int64_t end, double lr,
                   const std::string& resume, double base, std::optional<Exploit> exploit = std::nullopt,
                   bool last = false) {
    SegmentRecord s;
    s.trial_id = trial;
    s.step_begin = begin;
    s.step_end = end;
    s.params = Params{{"lr", lr}};
    s.resume_from = resume;
    auto started = store_->StartSegment(s);
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    for (std::int64_t step = begin + 1; step <= end; ++step) {
      EXPECT_TRUE(store_->AppendMetrics(started->id, MetricPoint{step, {{"loss", Loss(base, step)}}}).ok());
    }
    SegmentOutcome o;
    o.segment_value = Loss(base, end);
    o.value = o.segment_value;
    o.trial_step = end;
    o.checkpoint = Checkpoint(trial, end);
    o.trial_state = last ? TrialState::kCompleted : TrialState::kPending;
    o.exploit = std::move(exploit);
    EXPECT_TRUE(store_->FinishSegment(started->id, o).ok());
    return started->id;
  }
  static double Loss(double base, std::int64_t step) { return base - static_cast<double>(step) / 100; }
  static std::string Checkpoint(std::int64_t trial, std::int64_t step) {
    return "/ckpt/" + std::to_string(trial) + "@" + std::to_string(step);
  }
  static Exploit From(std::int64_t source, std::int64_t step, double lr) {
    Exploit e;
    e.source_trial_id = source;
    e.checkpoint = Checkpoint(source, step);
    e.step = step;
    e.params = Params{{"lr", lr}};
    e.generation = 1;
    return e;
  }

  std::int64_t study_ = 0;
};

TEST_F(DashboardApiTest, ATrialsLineageFollowsExploitsBackToTheSourcesSegments) {
  const std::int64_t a = NewTrial(0.1), b = NewTrial(0.01);
  Run(a, 0, 10, 0.1, "", 1.0);
  Run(b, 0, 10, 0.01, "", 2.0, From(a, 10, 0.12));  // b copies a at step 10
  Run(a, 10, 20, 0.1, Checkpoint(a, 10), 1.0);
  Run(b, 10, 20, 0.12, Checkpoint(a, 10), 0.5);
  Run(b, 20, 30, 0.12, Checkpoint(b, 20), 0.5, std::nullopt, true);

  json l = Expect(Get("/api/v1/trials/" + std::to_string(b) + "/lineage"), 200);
  EXPECT_EQ(l["trial_id"], b);
  ASSERT_EQ(l["links"].size(), 3u) << l.dump();
  const std::vector<std::tuple<std::int64_t, int, int, double>> want = {
      {a, 0, 10, 0.1}, {b, 10, 20, 0.12}, {b, 20, 30, 0.12}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    const json& link = l["links"][i];
    EXPECT_EQ(link["trial_id"], std::get<0>(want[i])) << i;
    EXPECT_EQ(link["step_begin"], std::get<1>(want[i])) << i;
    EXPECT_EQ(link["step_end"], std::get<2>(want[i])) << i;
    EXPECT_EQ(link["params"]["lr"], std::get<3>(want[i])) << i;
  }
  EXPECT_EQ(l["links"][1]["source_trial_id"], a);
  EXPECT_EQ(l["links"][2]["source_trial_id"], b);
  EXPECT_DOUBLE_EQ(l["links"][0]["value"].get<double>(), Loss(1.0, 10));
  // The points are a's up to step 10, then b's own: 30 of them, one per step.
  ASSERT_EQ(l["points"].size(), 30u);
  EXPECT_DOUBLE_EQ(l["points"][9]["metrics"]["loss"].get<double>(), Loss(1.0, 10));
  EXPECT_DOUBLE_EQ(l["points"][10]["metrics"]["loss"].get<double>(), Loss(0.5, 11));
  EXPECT_EQ(l["points"][29]["step"], 30);

  // a's own lineage never leaves a.
  json la = Expect(Get("/api/v1/trials/" + std::to_string(a) + "/lineage"), 200);
  ASSERT_EQ(la["links"].size(), 2u);
  EXPECT_EQ(la["links"][1]["trial_id"], a);
  EXPECT_EQ(Get("/api/v1/trials/999/lineage").code(), 404);
}

TEST_F(DashboardApiTest, AnExploitedTrialThatHasNotRunAgainHoldsItsSourcesTraining) {
  const std::int64_t a = NewTrial(0.1), b = NewTrial(0.01);
  Run(a, 0, 10, 0.1, "", 1.0);
  Run(a, 10, 20, 0.1, Checkpoint(a, 10), 1.0);
  // b reached step 20 itself, then copied a's checkpoint of step 20: its own
  // segments are no longer its model's history.
  Run(b, 0, 10, 0.01, "", 2.0);
  Run(b, 10, 20, 0.01, Checkpoint(b, 10), 2.0, From(a, 20, 0.08));
  json l = Expect(Get("/api/v1/trials/" + std::to_string(b) + "/lineage"), 200);
  ASSERT_EQ(l["links"].size(), 2u) << l.dump();
  EXPECT_EQ(l["links"][0]["trial_id"], a);
  EXPECT_EQ(l["links"][1]["trial_id"], a);
  EXPECT_EQ(l["links"][1]["step_end"], 20);
}

TEST_F(DashboardApiTest, ASourceThatSteppedBackAfterTheCopyKeepsTheSegmentsThatMadeIt) {
  const std::int64_t a = NewTrial(0.1), b = NewTrial(0.01), c = NewTrial(0.5);
  Run(a, 0, 10, 0.1, "", 1.0);
  Run(b, 0, 10, 0.01, "", 2.0, From(a, 10, 0.12));  // b copies a at step 10
  Run(c, 0, 5, 0.5, "", 0.8);
  Run(b, 10, 20, 0.12, Checkpoint(a, 10), 0.5);
  // Then a itself (async PBT) copies c's step 5 and trains [5, 10) again:
  // a segment ending at step 10 too, but newer than b's copy.
  Run(a, 10, 20, 0.1, Checkpoint(a, 10), 1.0, From(c, 5, 0.3));
  Run(a, 5, 10, 0.3, Checkpoint(c, 5), 0.9);

  json l = Expect(Get("/api/v1/trials/" + std::to_string(b) + "/lineage"), 200);
  ASSERT_EQ(l["links"].size(), 2u) << l.dump();
  EXPECT_EQ(l["links"][0]["trial_id"], a);
  EXPECT_EQ(l["links"][0]["step_begin"], 0);
  EXPECT_EQ(l["links"][0]["params"]["lr"], 0.1);
  EXPECT_EQ(l["links"][1]["trial_id"], b);
  json schedule = Expect(Get("/api/v1/trials/" + std::to_string(b) + "/schedule"), 200);
  ASSERT_EQ(schedule["schedule"].size(), 2u) << schedule.dump();
  EXPECT_EQ(schedule["schedule"][0]["params"]["lr"], 0.1);
  EXPECT_EQ(schedule["schedule"][1]["step"], 10);
  EXPECT_EQ(schedule["schedule"][1]["params"]["lr"], 0.12);
  EXPECT_EQ(schedule["lineage"].size(), 2u) << schedule.dump();
  // a's own lineage now runs through c.
  json la = Expect(Get("/api/v1/trials/" + std::to_string(a) + "/lineage"), 200);
  ASSERT_EQ(la["links"].size(), 2u) << la.dump();
  EXPECT_EQ(la["links"][0]["trial_id"], c);
  EXPECT_EQ(la["links"][1]["params"]["lr"], 0.3);
}

TEST_F(DashboardApiTest, AFailedTryIsNoLinkAndItsRetryIs) {
  const std::int64_t a = NewTrial(0.1);
  Run(a, 0, 10, 0.1, "", 1.0);
  SegmentRecord s;
  s.trial_id = a;
  s.step_begin = 10;
  s.step_end = 20;
  s.params = Params{{"lr", 0.1}};
  s.resume_from = Checkpoint(a, 10);
  auto failed = store_->StartSegment(s);
  ASSERT_TRUE(failed.ok());
  ASSERT_TRUE(store_->AppendMetrics(failed->id, MetricPoint{11, {{"loss", 42.0}}}).ok());
  SegmentOutcome o;
  o.state = SegmentState::kFailed;
  o.exit_code = 3;
  o.trial_state = TrialState::kPending;
  o.trial_step = 10;
  ASSERT_TRUE(store_->FinishSegment(failed->id, o).ok());
  const std::int64_t retry = Run(a, 10, 20, 0.1, Checkpoint(a, 10), 1.0, std::nullopt, true);
  json l = Expect(Get("/api/v1/trials/" + std::to_string(a) + "/lineage"), 200);
  ASSERT_EQ(l["links"].size(), 2u);
  EXPECT_EQ(l["links"][1]["segment_id"], retry);
  ASSERT_EQ(l["points"].size(), 20u);
  EXPECT_DOUBLE_EQ(l["points"][10]["metrics"]["loss"].get<double>(), Loss(1.0, 11));  // the retry's report
}

TEST_F(DashboardApiTest, TheStudyLineageListsEveryTrialWithItsSegmentsWithoutLogsAndPages) {
  const std::int64_t a = NewTrial(0.1), b = NewTrial(0.01), c = NewTrial(0.5);
  Run(a, 0, 10, 0.1, "", 1.0);
  Run(b, 0, 10, 0.01, "", 2.0, From(a, 10, 0.12));
  Run(b, 10, 20, 0.12, Checkpoint(a, 10), 0.5);
  const std::string base = "/api/v1/studies/" + std::to_string(study_) + "/lineage";
  json first = Expect(Get(base + "?limit=2"), 200);
  ASSERT_EQ(first["trials"].size(), 2u);
  const json& tb = first["trials"][1];
  EXPECT_EQ(tb["trial_id"], b);
  EXPECT_EQ(tb["parent_id"], a);
  EXPECT_EQ(tb["generation"], 1);
  ASSERT_EQ(tb["segments"].size(), 2u);
  EXPECT_EQ(tb["segments"][1]["source_trial_id"], a);
  EXPECT_EQ(tb["segments"][1]["step_begin"], 10);
  EXPECT_EQ(tb["segments"][1]["params"]["lr"], 0.12);
  EXPECT_FALSE(tb["segments"][1].contains("log_tail"));
  EXPECT_FALSE(tb["segments"][1].contains("resume_from"));
  json rest = Expect(Get(base + "?limit=2&cursor=" + first["next_cursor"].get<std::string>()), 200);
  ASSERT_EQ(rest["trials"].size(), 1u);
  EXPECT_EQ(rest["trials"][0]["trial_id"], c);
  EXPECT_TRUE(rest["trials"][0]["segments"].empty());
  EXPECT_TRUE(rest["next_cursor"].is_null());
  EXPECT_EQ(ErrorField(Get(base + "?state=done"), 400), "state");
  EXPECT_EQ(Get("/api/v1/studies/99/lineage").code(), 404);
}

TEST_F(DashboardApiTest, CurvesGiveTheObjectiveSeriesOfManyTrialsThinnedToMaxPoints) {
  const std::int64_t a = NewTrial(0.1), b = NewTrial(0.01);
  Run(a, 0, 10, 0.1, "", 1.0);
  Run(a, 10, 20, 0.1, Checkpoint(a, 10), 1.0, std::nullopt, true);
  Run(b, 0, 10, 0.01, "", 2.0);
  const std::string base = "/api/v1/studies/" + std::to_string(study_) + "/curves";
  json all = Expect(Get(base), 200);
  ASSERT_EQ(all["curves"].size(), 2u);
  const json& ca = all["curves"][0];
  EXPECT_EQ(ca["trial_id"], a);
  EXPECT_EQ(ca["state"], "completed");
  EXPECT_TRUE(ca["finished_at"].is_number());
  EXPECT_TRUE(all["curves"][1]["finished_at"].is_null());  // b waits for its next segment
  ASSERT_EQ(ca["points"].size(), 20u);                     // the objective metric ("loss") by default
  EXPECT_EQ(ca["points"][0], json::array({1, Loss(1.0, 1)}));
  json thin = Expect(Get(base + "?max_points=5"), 200);
  const json& pts = thin["curves"][0]["points"];
  ASSERT_EQ(pts.size(), 5u);
  EXPECT_EQ(pts[0][0], 1);
  EXPECT_EQ(pts[4][0], 20);
  for (std::size_t i = 1; i < pts.size(); ++i) EXPECT_LT(pts[i - 1][0], pts[i][0]);
  json pending = Expect(Get(base + "?state=pending"), 200);
  ASSERT_EQ(pending["curves"].size(), 1u);
  EXPECT_EQ(pending["curves"][0]["trial_id"], b);
  EXPECT_TRUE(Expect(Get(base + "?metric=acc"), 200)["curves"][0]["points"].empty());
  EXPECT_EQ(ErrorField(Get(base + "?max_points=1"), 400), "max_points");
  EXPECT_EQ(ErrorField(Get(base + "?metric="), 400), "metric");
  EXPECT_EQ(ErrorField(Get(base + "?limit=0"), 400), "limit");
  EXPECT_EQ(Get("/api/v1/studies/99/curves").code(), 404);
}

TEST_F(DashboardApiTest, TheStudyListNamesAlgorithmsBudgetAndProgress) {
  const std::int64_t id = Submit(AskTellSpec("asked", 7, R"(, "searcher": {"algorithm": "sobol"})"));
  json list = Expect(Get("/api/v1/studies"), 200);
  json mine;
  for (const json& s : list["studies"])
    if (s["id"] == id) mine = s;
  ASSERT_TRUE(mine.is_object()) << list.dump();
  EXPECT_EQ(mine["searcher"], "sobol");
  EXPECT_EQ(mine["scheduler"], "none");
  EXPECT_EQ(mine["max_trials"], 7);
  ASSERT_TRUE(mine["progress"].is_object());  // served here
  EXPECT_EQ(mine["progress"]["total"], 7);
  json stored;  // the study written straight into the store runs nowhere
  for (const json& s : list["studies"])
    if (s["id"] == study_) stored = s;
  EXPECT_TRUE(stored["progress"].is_null());
  EXPECT_EQ(stored["max_trials"], 3);
}

TEST_F(DashboardApiTest, AStudyNamesItsLatestEventWhereFollowingItsEventsStarts) {
  json before = Expect(Get("/api/v1/studies/" + std::to_string(study_)), 200);
  auto events = store_->ListEvents(study_, 0, 1000);
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(before["last_event_id"], events->back().id);
  const std::int64_t other = Submit(AskTellSpec("other", 3));  // events of another study come between
  NewTrial(0.2);
  json after = Expect(Get("/api/v1/studies/" + std::to_string(study_)), 200);
  events = store_->ListEvents(study_, 0, 1000);
  EXPECT_EQ(after["last_event_id"], events->back().id);
  EXPECT_GT(after["last_event_id"].get<std::int64_t>(), before["last_event_id"].get<std::int64_t>());
  EXPECT_GT(Expect(Get("/api/v1/studies/" + std::to_string(other)), 200)["last_event_id"].get<std::int64_t>(),
            0);
}

}  // namespace
}  // namespace autotune::web::testing
