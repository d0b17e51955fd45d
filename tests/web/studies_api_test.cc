// The studies endpoints without sockets: submit (created, same spec, other
// spec, bad specs), list with paging and filters, one study, stop.
#include "tests/web/api_test_util.h"

namespace autotune::web::testing {
namespace {

using StudiesApiTest = ApiTest;

TEST_F(StudiesApiTest, SubmitCreatesAndStartsAStudyAndTheSameSpecAgainFindsIt) {
  Reply r = Post("/api/v1/studies", RunSpec("runs", 4));
  json j = Expect(r, 201);
  EXPECT_EQ(j["name"], "runs");
  EXPECT_EQ(j["created"], true);
  ASSERT_NE(r.Header("Location"), nullptr);
  EXPECT_EQ(*r.Header("Location"), "/api/v1/studies/" + std::to_string(j["id"].get<int>()));
  EXPECT_TRUE(service_->IsRunning(j["id"]));
  Drain();  // the fake executor answers every trial
  EXPECT_EQ(store_->GetStudy(j["id"])->state, StudyState::kCompleted);
  // The same spec (defaults written out differently) is found, not duplicated.
  json again = Expect(Post("/api/v1/studies", RunSpec("runs", 4)), 200);
  EXPECT_EQ(again["id"], j["id"]);
  EXPECT_EQ(again["created"], false);
  EXPECT_EQ(again["state"], "completed");
  EXPECT_EQ(store_->ListStudies()->size(), 1u);
}

TEST_F(StudiesApiTest, BadSpecsAre400WithTheFieldAndWriteNothing) {
  EXPECT_EQ(ErrorField(Post("/api/v1/studies", "{not json"), 400), "spec");
  EXPECT_EQ(ErrorField(Post("/api/v1/studies", "[1, 2]"), 400), "spec");
  EXPECT_EQ(ErrorField(Post("/api/v1/studies", AskTellSpec("a", 0)), 400), "budget.max_trials");
  EXPECT_EQ(ErrorField(Post("/api/v1/studies", AskTellSpec("a", 5, R"(, "seed": -1)")), 400), "seed");
  EXPECT_EQ(
      ErrorField(Post("/api/v1/studies", AskTellSpec("a", 5, R"(, "searcher": {"algorithm": "nope"})")), 400),
      "searcher.algorithm");
  EXPECT_EQ(ErrorField(Post("/api/v1/studies",
                            R"({"name": "a", "space": {"x": {"type": "float", "low": 1, "high": 0}}})"),
                       400),
            "space.x.high");
  EXPECT_EQ(
      ErrorField(
          Post(
              "/api/v1/studies",
              R"({"name": "a", "space": {"x": {"type": "int", "low": 0, "high": 3}}, "trial": {"command": ["/no/such/program"]}})"),
          400),
      "trial.command[0]");
  EXPECT_TRUE(store_->ListStudies()->empty());
}

TEST_F(StudiesApiTest, DeeplyNestedJsonIsRefusedWithoutHarm) {
  // The JSON parser and destructor must not recurse once per level.
  const int depth = 400000;
  EXPECT_EQ(ErrorField(Post("/api/v1/studies", std::string(depth, '[')), 400), "spec");
  EXPECT_EQ(ErrorField(Post("/api/v1/studies",
                            R"({"name": )" + std::string(depth, '[') + std::string(depth, ']') + "}"),
                       400),
            "name");
  EXPECT_EQ(Get("/healthz").code(), 200);
}

TEST_F(StudiesApiTest, ADifferentSpecUnderATakenNameIs409) {
  Submit(AskTellSpec("a", 5));
  Reply r = Post("/api/v1/studies", AskTellSpec("a", 6));
  ErrorField(r, 409);
  EXPECT_NE(json::parse(r.body)["error"]["message"].get<std::string>().find("different spec"),
            std::string::npos);
}

TEST_F(StudiesApiTest, ListsArePagedByCursorAndFilteredByStateAndName) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Submit(AskTellSpec("s" + std::to_string(i), 3)));
  ASSERT_TRUE(service_->Stop(ids[1]).ok());
  Drain();
  std::vector<std::int64_t> seen;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    json page = Expect(Get("/api/v1/studies?limit=2" + cursor), 200);
    EXPECT_LE(page["studies"].size(), 2u);
    for (const json& s : page["studies"]) seen.push_back(s["id"]);
    if (page["next_cursor"].is_null()) break;
    cursor = "&cursor=" + page["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen, ids);
  json stopped = Expect(Get("/api/v1/studies?state=stopped"), 200);
  ASSERT_EQ(stopped["studies"].size(), 1u);
  EXPECT_EQ(stopped["studies"][0]["id"], ids[1]);
  json named = Expect(Get("/api/v1/studies?name=s3"), 200);
  ASSERT_EQ(named["studies"].size(), 1u);
  EXPECT_EQ(named["studies"][0]["name"], "s3");
  EXPECT_EQ(named["studies"][0]["running_here"], true);
  for (const std::string bad : {"limit=0", "limit=1001", "limit=x", "limit=", "limit=2.5"})
    EXPECT_EQ(ErrorField(Get("/api/v1/studies?" + bad), 400), "limit") << bad;
  for (const std::string bad : {"cursor=-1", "cursor=abc", "cursor="})
    EXPECT_EQ(ErrorField(Get("/api/v1/studies?" + bad), 400), "cursor") << bad;
  EXPECT_EQ(ErrorField(Get("/api/v1/studies?state=sleeping"), 400), "state");
}

TEST_F(StudiesApiTest, AStudyShowsSpecCountsBestAndProgressAndUnknownIdsAre404) {
  const std::int64_t id = Submit(AskTellSpec("a", 3));
  json asked = Expect(Post("/api/v1/studies/" + std::to_string(id) + "/ask"), 200);
  Expect(
      Post("/api/v1/trials/" + std::to_string(asked["trial_id"].get<int>()) + "/tell", R"({"value": 0.25})"),
      200);
  json s = Expect(Get("/api/v1/studies/" + std::to_string(id)), 200);
  EXPECT_EQ(s["name"], "a");
  EXPECT_EQ(s["state"], "running");
  EXPECT_EQ(s["spec"]["budget"]["max_trials"], 3);
  EXPECT_EQ(s["counts"], json({{"completed", 1}}));
  EXPECT_EQ(s["best"]["trial_id"], asked["trial_id"]);
  EXPECT_EQ(s["best"]["value"], 0.25);
  EXPECT_EQ(s["best_value"], 0.25);
  EXPECT_EQ(s["progress"]["completed"], 1);
  EXPECT_EQ(s["running_here"], true);
  for (const std::string bad : {"999", "0", "-1", "abc", "1e3"})
    EXPECT_EQ(Get("/api/v1/studies/" + bad).code(), 404) << bad;
}

TEST_F(StudiesApiTest, StopEndsARunningStudyAndAStoppedOneCannotBeStoppedAgain) {
  const std::int64_t id = Submit(AskTellSpec("a", 3));
  const std::string stop = "/api/v1/studies/" + std::to_string(id) + "/stop";
  json j = Expect(Post(stop), 202);
  EXPECT_EQ(j["state"], "stopping");
  Drain();
  EXPECT_EQ(store_->GetStudy(id)->state, StudyState::kStopped);
  ErrorField(Post(stop), 409);
  EXPECT_EQ(Post("/api/v1/studies/77/stop").code(), 404);
  // Submitting the same spec resumes it.
  json again = Expect(Post("/api/v1/studies", AskTellSpec("a", 3)), 200);
  EXPECT_EQ(again["state"], "running");
  EXPECT_TRUE(service_->IsRunning(id));
}

}  // namespace
}  // namespace autotune::web::testing
