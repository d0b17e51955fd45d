// Trials and ask/tell without sockets: pages of trials, one trial, its
// metrics, and every error of ask and tell.
#include "tests/web/api_test_util.h"

namespace autotune::web::testing {
namespace {

class TrialsApiTest : public ApiTest {
 protected:
  json Ask(std::int64_t study) {
    return Expect(Post("/api/v1/studies/" + std::to_string(study) + "/ask"), 200);
  }
  Reply Tell(std::int64_t trial, const std::string& body) {
    return Post("/api/v1/trials/" + std::to_string(trial) + "/tell", body);
  }
};

TEST_F(TrialsApiTest, TrialsArePagedByNumberFilteredByStateAndCarryTheirLastMetrics) {
  // random: the default searcher for floats (hazero) waits for a generation's results.
  const std::int64_t study = Submit(AskTellSpec("a", 10, R"(, "searcher": {"algorithm": "random"})"));
  std::vector<std::int64_t> trials;
  for (int i = 0; i < 7; ++i) trials.push_back(Ask(study)["trial_id"]);
  for (int i = 0; i < 7; i += 2) Expect(Tell(trials[i], R"({"value": )" + std::to_string(i) + "}"), 200);
  Expect(Tell(trials[1], R"({"step": 4, "metrics": {"loss": 0.5}})"), 200);
  const std::string base = "/api/v1/studies/" + std::to_string(study) + "/trials";
  std::vector<std::int64_t> seen;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    json page = Expect(Get(base + "?limit=3" + cursor), 200);
    for (const json& t : page["trials"]) seen.push_back(t["trial_id"]);
    if (page["next_cursor"].is_null()) break;
    cursor = "&cursor=" + page["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen, trials);
  json completed = Expect(Get(base + "?state=completed"), 200);
  ASSERT_EQ(completed["trials"].size(), 4u);
  EXPECT_EQ(completed["trials"][1]["value"], 2.0);
  EXPECT_EQ(completed["trials"][1]["last_metrics"]["metrics"]["value"], 2.0);
  json running = Expect(Get(base + "?state=running&limit=1"), 200);
  ASSERT_EQ(running["trials"].size(), 1u);
  EXPECT_EQ(running["trials"][0]["trial_id"], trials[1]);
  EXPECT_EQ(running["trials"][0]["last_metrics"], json({{"step", 4}, {"metrics", {{"loss", 0.5}}}}));
  EXPECT_FALSE(running["next_cursor"].is_null());
  EXPECT_EQ(ErrorField(Get(base + "?state=done"), 400), "state");
  EXPECT_EQ(ErrorField(Get(base + "?limit=-3"), 400), "limit");
  EXPECT_EQ(ErrorField(Get(base + "?cursor=99999999999"), 400), "cursor");
  EXPECT_EQ(Get("/api/v1/studies/404/trials").code(), 404);
}

TEST_F(TrialsApiTest, ATrialShowsSegmentsMetricsAndParamsAndItsSeriesPages) {
  const std::int64_t study = Submit(AskTellSpec("a", 3));
  json asked = Ask(study);
  const std::int64_t id = asked["trial_id"];
  for (int step = 1; step <= 5; ++step)
    Expect(Tell(id, R"({"step": )" + std::to_string(step) + R"(, "metrics": {"loss": )" +
                        std::to_string(1.0 / step) + "}}"),
           200);
  json told = Expect(Tell(id, R"({"value": 0.125})"), 200);
  EXPECT_EQ(told, json({{"trial_id", id}, {"state", "completed"}, {"value", 0.125}, {"step", 5}}));
  json t = Expect(Get("/api/v1/trials/" + std::to_string(id)), 200);
  EXPECT_EQ(t["state"], "completed");
  EXPECT_EQ(t["params"], asked["params"]);
  ASSERT_EQ(t["segments"].size(), 1u);
  EXPECT_EQ(t["segments"][0]["state"], "completed");
  EXPECT_EQ(t["segments"][0]["params"], asked["params"]);
  ASSERT_EQ(t["metrics"].size(), 5u);
  EXPECT_EQ(t["metrics"][4]["metrics"]["value"], 0.125);
  const std::string series = "/api/v1/trials/" + std::to_string(id) + "/metrics";
  json first = Expect(Get(series + "?limit=2"), 200);
  ASSERT_EQ(first["points"].size(), 2u);
  json rest = Expect(Get(series + "?limit=10&cursor=" + first["next_cursor"].get<std::string>()), 200);
  EXPECT_EQ(rest["points"].size(), 3u);
  EXPECT_TRUE(rest["next_cursor"].is_null());
  EXPECT_EQ(rest["points"][0]["step"], 3);
  EXPECT_EQ(Get("/api/v1/trials/999").code(), 404);
  EXPECT_EQ(Get("/api/v1/trials/999/metrics").code(), 404);
  EXPECT_EQ(Get("/api/v1/trials/x/metrics").code(), 404);
}

TEST_F(TrialsApiTest, AsksBeyondTheBudgetAndTellsOnFinishedTrialsAre409) {
  const std::int64_t study = Submit(AskTellSpec("a", 2));
  const std::int64_t a = Ask(study)["trial_id"], b = Ask(study)["trial_id"];
  const Reply beyond = Post("/api/v1/studies/" + std::to_string(study) + "/ask");
  ErrorField(beyond, 409);
  EXPECT_NE(json::parse(beyond.body)["error"]["message"].get<std::string>().find("max_trials"),
            std::string::npos);
  Expect(Tell(a, R"({"value": 1})"), 200);
  ErrorField(Tell(a, R"({"value": 2})"), 409);
  ErrorField(Tell(a, R"({"state": "failed"})"), 409);
  ErrorField(Tell(a, R"({"step": 9, "metrics": {"loss": 1}})"), 409);
  Expect(Tell(b, R"({"state": "failed", "error": "worker crashed"})"), 200);
  EXPECT_EQ(store_->GetTrial(b)->error, "worker crashed");
  Drain();
  EXPECT_EQ(store_->GetStudy(study)->state, StudyState::kCompleted);
  ErrorField(Post("/api/v1/studies/" + std::to_string(study) + "/ask"), 409);
  EXPECT_EQ(store_->GetTrial(a)->value, 1.0);  // nothing of the refused tells was written
  EXPECT_EQ(Post("/api/v1/studies/999/ask").code(), 404);
  EXPECT_EQ(Tell(999, R"({"value": 1})").code(), 404);
}

TEST_F(TrialsApiTest, MalformedTellsAre400NamingTheField) {
  const std::int64_t study = Submit(AskTellSpec("a", 2));
  const std::int64_t id = Ask(study)["trial_id"];
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "body"},
      {"[]", "body"},
      {"", "body"},
      {"{}", "value"},
      {R"({"value": "low"})", "value"},
      {R"({"value": null})", "value"},
      {R"({"value": 1, "colour": "red"})", "colour"},
      {R"({"step": -1, "value": 1})", "step"},
      {R"({"step": 1.5, "value": 1})", "step"},
      {R"({"metrics": {"loss": 1}})", "step"},
      {R"({"step": 2, "metrics": {}})", "metrics"},
      {R"({"step": 2, "metrics": {"loss": "x"}})", "metrics.loss"},
      {R"({"step": 2, "metrics": {"loss": 1}, "value": 3})", "metrics"},
      {R"({"state": "paused"})", "state"},
      {R"({"state": "failed", "value": 1})", "value"},
      {R"({"value": 1, "error": "x"})", "error"},
  };
  for (const auto& [body, field] : cases) EXPECT_EQ(ErrorField(Tell(id, body), 400), field) << body;
  EXPECT_EQ(ErrorField(Post("/api/v1/studies/" + std::to_string(study) + "/ask", R"({"n": 2})"), 400), "n");
  EXPECT_EQ(store_->GetTrial(id)->state, TrialState::kRunning);  // none of them did anything
  EXPECT_TRUE(store_->GetMetrics(id)->empty());
}

TEST_F(TrialsApiTest, ASearcherWaitingForResultsAnswers503WithRetryAfter) {
  const std::int64_t study = Submit(
      AskTellSpec("a", 10, R"(, "searcher": {"algorithm": "hazero", "popsize": 2, "surrogate": false})"));
  Ask(study);
  Ask(study);
  Reply r = Post("/api/v1/studies/" + std::to_string(study) + "/ask");
  ErrorField(r, 503);
  ASSERT_NE(r.Header("Retry-After"), nullptr);
}

TEST_F(TrialsApiTest, StudiesThatRunProgramsAreNotAsked) {
  const std::int64_t study = Submit(RunSpec("runs", 50));
  ErrorField(Post("/api/v1/studies/" + std::to_string(study) + "/ask"), 409);
  Drain();
}

}  // namespace
}  // namespace autotune::web::testing
