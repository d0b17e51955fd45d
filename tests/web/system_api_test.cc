// Auth, /healthz, /metrics, the OpenAPI document against the router, the
// event-stream reply, and static files (traversal refused) without sockets.
#include <fstream>
#include <set>

#include "tests/web/api_test_util.h"
#include "web/openapi.h"

namespace autotune::web::testing {
namespace {

using SystemApiTest = ApiTest;

const std::string kToken = "0123456789abcdef-token";

TEST_F(SystemApiTest, WithATokenTheApiAndMetricsNeedItAndHealthzAndTheDashboardDoNot) {
  ApiOptions options;
  options.token = kToken;
  Build(options);
  for (const std::string target :
       {"/api/v1/studies", "/metrics", "/api/v1/openapi.json", "/%61pi/v1/studies", "/api/v1/nothing"}) {
    Reply r = Get(target);
    EXPECT_EQ(ErrorField(r, 401), "") << target;
    ASSERT_NE(r.Header("WWW-Authenticate"), nullptr) << target;
    EXPECT_EQ(Call(http::verb::get, target, "", {{"Authorization", "Bearer wrong-token-0123456789"}}).code(),
              401);
    EXPECT_EQ(Call(http::verb::get, target, "", {{"Authorization", "Bearer " + kToken + "x"}}).code(), 401);
    EXPECT_EQ(Call(http::verb::get, target, "", {{"Authorization", kToken}}).code(), 401);
  }
  EXPECT_EQ(Call(http::verb::get, "/api/v1/studies", "", {{"Authorization", "Bearer " + kToken}}).code(),
            200);
  EXPECT_EQ(Call(http::verb::get, "/api/v1/studies", "", {{"Authorization", "bearer " + kToken}}).code(),
            200);
  EXPECT_EQ(Call(http::verb::get, "/metrics", "", {{"Authorization", "Bearer " + kToken}}).code(), 200);
  // A POST without the token writes nothing.
  EXPECT_EQ(Post("/api/v1/studies", AskTellSpec("a", 2)).code(), 401);
  EXPECT_TRUE(store_->ListStudies()->empty());
  EXPECT_EQ(Get("/healthz").code(), 200);
  EXPECT_NE(Get("/").code(), 401);
}

TEST_F(SystemApiTest, WithoutATokenEverythingIsOpen) {
  EXPECT_EQ(Get("/api/v1/studies").code(), 200);
  EXPECT_EQ(Get("/metrics").code(), 200);
  json h = Expect(Get("/healthz"), 200);
  EXPECT_EQ(h["status"], "ok");
}

TEST_F(SystemApiTest, MetricsCountStudiesTrialsAndRequestsInPrometheusText) {
  const std::int64_t a = Submit(AskTellSpec("a", 5));
  Submit(AskTellSpec("b", 5));
  for (int i = 0; i < 3; ++i) {
    json t = Expect(Post("/api/v1/studies/" + std::to_string(a) + "/ask"), 200);
    if (i < 2)
      Expect(Post("/api/v1/trials/" + std::to_string(t["trial_id"].get<int>()) + "/tell", R"({"value": 1})"),
             200);
  }
  metrics_.Observe("/api/v1/studies/{id}", 200, 0.003);
  metrics_.Observe("/api/v1/studies/{id}", 404, 2.0);
  Reply r = Get("/metrics");
  ASSERT_EQ(r.code(), 200);
  EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
  const std::string& m = r.body;
  for (const std::string line : {
           "autotune_studies{state=\"running\"} 2\n",
           "autotune_trials{state=\"completed\"} 2\n",
           "autotune_trials{state=\"running\"} 1\n",
           "autotune_segments_running 1\n",
           "autotune_studies_served 2\n",
           "# TYPE autotune_http_request_duration_seconds histogram\n",
           "autotune_http_request_duration_seconds_bucket{route=\"/api/v1/studies/{id}\",le=\"0.005\"} 1\n",
           "autotune_http_request_duration_seconds_bucket{route=\"/api/v1/studies/{id}\",le=\"+Inf\"} 2\n",
           "autotune_http_request_duration_seconds_count{route=\"/api/v1/studies/{id}\"} 2\n",
           "autotune_http_requests_total{route=\"/api/v1/studies/{id}\",code=\"404\"} 1\n",
       }) {
    EXPECT_NE(m.find(line), std::string::npos) << line << "\nin\n" << m;
  }
}

// "/static/{path*}" is written "/static/{path}" in OpenAPI.
std::string OpenApiPath(std::string pattern) {
  const auto star = pattern.find("*}");
  if (star != std::string::npos) pattern.erase(star, 1);
  return pattern;
}

TEST_F(SystemApiTest, TheOpenApiDocumentListsExactlyTheRoutesTheRouterHas) {
  json doc = Expect(Get("/api/v1/openapi.json"), 200);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::pair<std::string, std::string>> documented, routed;
  for (auto path = doc["paths"].begin(); path != doc["paths"].end(); ++path) {
    for (auto op = path->begin(); op != path->end(); ++op) {
      documented.insert({path.key(), op.key()});
      EXPECT_TRUE((*op).contains("responses")) << path.key() << " " << op.key();
    }
  }
  for (const Route& r : api_->router().routes()) {
    std::string method(http::to_string(r.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    routed.insert({OpenApiPath(r.pattern), method});
  }
  EXPECT_EQ(documented, routed);
  // Every reference inside the document resolves.
  std::function<void(const json&)> check = [&](const json& j) {
    if (j.is_object()) {
      if (j.contains("$ref")) {
        const std::string ref = j["$ref"];
        ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
        EXPECT_NO_THROW(doc.at(json::json_pointer(ref.substr(1)))) << ref;
      }
      for (const auto& v : j) check(v);
    } else if (j.is_array()) {
      for (const auto& v : j) check(v);
    }
  };
  check(doc);
}

TEST_F(SystemApiTest, TheEventsRouteStartsAStreamAfterLastEventIdOrAfter) {
  const std::int64_t id = Submit(AskTellSpec("a", 5));
  const std::string events = "/api/v1/studies/" + std::to_string(id) + "/events";
  Reply r = Get(events);
  ASSERT_EQ(r.code(), 200);
  ASSERT_TRUE(r.stream.has_value());
  EXPECT_EQ(r.stream->study_id, id);
  EXPECT_EQ(r.stream->after_id, 0);
  EXPECT_EQ(Call(http::verb::get, events, "", {{"Last-Event-ID", "17"}}).stream->after_id, 17);
  EXPECT_EQ(Get(events + "?after=5").stream->after_id, 5);
  EXPECT_EQ(ErrorField(Call(http::verb::get, events, "", {{"Last-Event-ID", "x"}}), 400), "Last-Event-ID");
  EXPECT_EQ(ErrorField(Get(events + "?after=-2"), 400), "after");
  EXPECT_EQ(Get("/api/v1/studies/99/events").code(), 404);
}

class StaticFilesTest : public ApiTest {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("autotune-static-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "static" / "js");
    std::ofstream(root_ / "static" / "index.html") << "<h1>index</h1>";
    std::ofstream(root_ / "static" / "js" / "app.js") << "let x = 1;";
    std::ofstream(root_ / "static" / ".hidden") << "no";
    std::ofstream(root_ / "secret.txt") << "TOP-SECRET-CONTENT";
    std::filesystem::create_symlink(root_ / "secret.txt", root_ / "static" / "link.txt");
    ApiOptions options;
    options.static_dir = (root_ / "static").string();
    Build(options);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(StaticFilesTest, TheDashboardAndItsFilesAreServedFromTheStaticFolderOnly) {
  Reply index = Get("/");
  EXPECT_EQ(index.code(), 200);
  EXPECT_EQ(index.body, "<h1>index</h1>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Get("/studies/12").body, "<h1>index</h1>");
  Reply js = Get("/static/js/app.js");
  EXPECT_EQ(js.body, "let x = 1;");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  for (const std::string target :
       {"/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/js/../../secret.txt",
        "/static/.hidden", "/static/link.txt", "/static/js", "/static/missing.js", "/static//index.html",
        "/static/%2Fetc%2Fpasswd", "/static/..%5Csecret.txt"}) {
    Reply r = Get(target);
    EXPECT_EQ(r.code(), 404) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos) << target;
  }
}

TEST_F(StaticFilesTest, WithoutAStaticFolderTheDashboardIs404) {
  Build(ApiOptions{});
  EXPECT_EQ(ErrorField(Get("/"), 404), "");
}

}  // namespace
}  // namespace autotune::web::testing
