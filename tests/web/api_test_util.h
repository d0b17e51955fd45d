// A REST API on an in-memory store and a scripted executor, called without
// sockets: the fixture of the handler tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "db/memory_store.h"
#include "tests/tuner/coordinator/fake_executor.h"
#include "tuner/coordinator/study_service.h"
#include "web/api.h"
#include "web/server_metrics.h"

namespace autotune::web::testing {

using nlohmann::json;

// A fresh folder path for this test (not created).
inline std::filesystem::path TestFolder(const std::string& what) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto p =
      std::filesystem::temp_directory_path() / ("autotune-web-" + std::to_string(::getpid()) + "-" +
                                                info->test_suite_name() + "." + info->name() + "-" + what);
  std::filesystem::remove_all(p);
  return p;
}

// An ask/tell spec: one float in [0, 1], random search, 8 asks out at once.
inline std::string AskTellSpec(const std::string& name, int max_trials, const std::string& extra = "") {
  return R"({"name": ")" + name + R"(", "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "budget": {"max_trials": )" +
         std::to_string(max_trials) + R"(, "max_parallel": 8})" + extra + "}";
}

// A spec that runs /bin/true (the fake executor answers instead).
inline std::string RunSpec(const std::string& name, int max_trials) {
  return R"({"name": ")" + name + R"(", "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "trial": {"command": ["/bin/true"]}, "budget": {"max_trials": )" +
         std::to_string(max_trials) + R"(, "max_parallel": 2}})";
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(ApiOptions{}); }
  void TearDown() override { std::filesystem::remove_all(checkpoints_); }

  void Build(ApiOptions options) {
    api_.reset();
    service_.reset();
    ServiceOptions so;
    so.checkpoint_root = checkpoints_.string();
    service_ = std::make_unique<StudyService>(io_, *store_, exec_, so);
    api_ = std::make_unique<Api>(*store_, *service_, metrics_, std::move(options));
  }

  Reply Call(http::verb method, const std::string& target, const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    Request r(method, target, 11);
    for (const auto& [k, v] : headers) r.set(k, v);
    r.body() = body;
    r.prepare_payload();
    return api_->Handle(r);
  }
  Reply Get(const std::string& target) { return Call(http::verb::get, target); }
  Reply Post(const std::string& target, const std::string& body = "") {
    return Call(http::verb::post, target, body);
  }

  // The reply's JSON; fails the test unless the status is `status`.
  json Expect(const Reply& r, int status) {
    EXPECT_EQ(r.code(), status) << r.body;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }
  // The error's field ("" when none); fails the test unless status matches.
  std::string ErrorField(const Reply& r, int status) {
    json j = Expect(r, status);
    EXPECT_TRUE(j.contains("error")) << r.body;
    const json& e = j["error"];
    EXPECT_TRUE(e["code"].is_string() && e["message"].is_string()) << r.body;
    return e["field"].is_string() ? e["field"].get<std::string>() : "";
  }

  std::int64_t Submit(const std::string& spec) {
    json j = Expect(Post("/api/v1/studies", spec), 201);
    return j.value("id", std::int64_t{0});
  }

  void Drain() {
    io_.restart();
    io_.poll();
  }

  // Where run studies' checkpoints would go: a folder of this test's own.
  const std::filesystem::path checkpoints_ = TestFolder("checkpoints");
  boost::asio::io_context io_;
  std::unique_ptr<Store> store_ = NewMemoryStore();
  autotune::testing::FakeExecutor exec_{io_, 4, [](const SegmentTask& t) {
                                          return autotune::testing::Reports(
                                              t, 1.0 + static_cast<double>(t.trial_id % 7));
                                        }};
  ServerMetrics metrics_;
  std::unique_ptr<StudyService> service_;
  std::unique_ptr<Api> api_;
};

}  // namespace autotune::web::testing
