// `autotune run` serves the dashboard while its study runs: the pages and the
// read-only REST API on 127.0.0.1, gone once the study ends; --no-dashboard
// serves none; a given port that is taken is refused before anything runs.
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "tests/integration/serve_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class RunDashboardTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    // Each trial waits for the file "go" before it reports.
    WriteFile(dir_ / "trial.py", R"(#!/usr/bin/env python3
import json, os, time
while not os.path.exists("go"):
    time.sleep(0.02)
x = json.loads(os.environ["AUTOTUNE_PARAMS"])["x"]
print("AUTOTUNE " + json.dumps({"step": 1, "value": x * x}), flush=True)
)",
              true);
    WriteFile(dir_ / "spec.json",
              R"({"name": "watched", "space": {"x": {"type": "float", "low": -1, "high": 1}},
      "trial": {"command": ["./trial.py"]}, "budget": {"max_trials": 3, "max_parallel": 1}})");
  }
  // The dashboard URL `run` printed on stderr ("" until it has).
  std::string PrintedUrl() {
    const std::string err = ReadAll(dir_ / "bg-err.txt");
    const auto at = err.find("Dashboard: http://");
    if (at == std::string::npos) return "";
    const auto begin = at + std::string("Dashboard: ").size();
    return err.substr(begin, err.find("/studies/", begin) - begin);
  }
};

TEST_F(RunDashboardTest, ServesThePagesAndAReadOnlyApiWhileTheStudyRuns) {
  pid_t pid = StartAutotune(dir_, {"run", "spec.json", "--db", "s.db", "-q", "--dashboard-port", "0"});
  ASSERT_TRUE(WaitFor([&] { return !PrintedUrl().empty(); })) << ReadAll(dir_ / "bg-err.txt");
  web::HttpClient client(*web::ParseServerUrl(PrintedUrl()), {});
  auto page = client.Get("/studies/1");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<html"), std::string::npos);
  json studies = GetJson(client, "/api/v1/studies");
  ASSERT_EQ(studies["studies"].size(), 1u) << studies.dump();
  EXPECT_EQ(studies["studies"][0]["name"], "watched");
  EXPECT_EQ(studies["studies"][0]["state"], "running");
  // Nothing changes the study through it.
  auto stop = client.Post("/api/v1/studies/1/stop", "");
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->status, 409);
  EXPECT_EQ(json::parse(stop->body)["error"]["code"], "read_only");

  WriteFile(dir_ / "go", "");
  ASSERT_EQ(WaitExit(pid), 0) << ReadAll(dir_ / "bg-err.txt");
  web::ClientOptions quick;
  quick.timeout_s = 2;
  web::HttpClient after(*web::ParseServerUrl(PrintedUrl()), quick);
  EXPECT_FALSE(after.Get("/api/v1/studies").ok()) << "the dashboard outlived its study";
}

TEST_F(RunDashboardTest, NoDashboardServesNothingAndATakenPortIsRefusedBeforeTheStudy) {
  WriteFile(dir_ / "go", "");
  auto quiet = RunAutotune(dir_, "run spec.json --db s.db -q --no-dashboard");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("Dashboard:"), std::string::npos) << quiet.err;

  // A port held by this test.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  WriteFile(dir_ / "spec2.json", R"({"name": "other", "space": {"x": {"type": "float", "low": -1, "high": 1}},
      "trial": {"command": ["./trial.py"]}, "budget": {"max_trials": 1}})");
  auto taken = RunAutotune(dir_, "run spec2.json --db s.db -q --dashboard-port " + port);
  ::close(fd);
  EXPECT_EQ(taken.exit_code, 2) << taken.err;
  EXPECT_NE(taken.err.find("--dashboard-port"), std::string::npos) << taken.err;
  auto listed = RunAutotune(dir_, "ls --db s.db");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find("other"), std::string::npos) << listed.out;
}

}  // namespace
}  // namespace autotune::testing
