// `autotune serve` as a process: a study submitted through the CLI runs its
// trial programs to the end while its events stream; the CLI prints the same
// against the server as on the store file; SIGTERM interrupts and the next
// start resumes; auth and the refusal to serve off loopback without a token.
#include <nlohmann/json.hpp>

#include "tests/integration/serve_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class ServeTest : public TempDirTest {
 protected:
  // A trial program that sleeps `sleep_s` and reports (x - 0.3)^2.
  void WriteTrial(double sleep_s) {
    WriteFile(dir_ / "trial.py",
              "#!/usr/bin/env python3\nimport json, os, time\ntime.sleep(" + std::to_string(sleep_s) + R"()
x = json.loads(os.environ["AUTOTUNE_PARAMS"])["x"]
print("some output of trial " + os.environ["AUTOTUNE_TRIAL_ID"])
print("AUTOTUNE " + json.dumps({"step": 1, "value": (x - 0.3) ** 2}), flush=True)
)",
              true);
  }
  void WriteSpec(const std::string& name, int max_trials, int parallel) {
    WriteFile(dir_ / "spec.json", R"({"name": ")" + name +
                                      R"(", "objective": {"metric": "value", "mode": "min"},
      "space": {"x": {"type": "float", "low": 0, "high": 1}, "opt": {"type": "categorical", "choices": ["a", "b"]}},
      "trial": {"command": ["./trial.py"], "timeout_s": 60},
      "budget": {"max_trials": )" + std::to_string(max_trials) +
                                      R"(, "max_parallel": )" + std::to_string(parallel) +
                                      R"(}, "seed": 5})");
  }
  static web::HttpClient Client(const ServeProcess& s, const std::string& token = "") {
    web::ClientOptions o;
    o.token = token;
    return web::HttpClient(s.address(), o);
  }
};

TEST_F(ServeTest, ASubmittedStudyRunsToItsEndAndTheCliPrintsTheSameFromServerAndStore) {
  WriteTrial(0);
  WriteSpec("served", 6, 2);
  ServeProcess serve(dir_, {"--slots", "2"});
  ASSERT_FALSE(serve.url().empty()) << serve.log();
  auto submitted = RunAutotune(dir_, "submit spec.json --server " + serve.url() + " --json");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::int64_t id = json::parse(submitted.out)["id"];

  web::EventStreamReader events(serve.address(), {});
  ASSERT_TRUE(events.Open("/api/v1/studies/" + std::to_string(id) + "/events").ok());
  std::vector<std::string> kinds;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline &&
         (kinds.empty() || kinds.back() != "study.completed")) {
    auto e = events.Next(1);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    if (*e) kinds.push_back(json::parse((*e)->data)["kind"]);
  }
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds.front(), "study.created");
  EXPECT_EQ(kinds.back(), "study.completed") << serve.log();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "trial.completed"), 6);

  // Every query command prints the same from the server as from the store.
  const std::string server = " --server " + serve.url(), store = " --db s.db";
  for (const std::string command :
       {"ls", "ls --json", "show served", "show served --json", "trials served", "trials served --json",
        "trials served --limit 3", "trials served --state completed --json", "best served",
        "best served --json", "export served", "export served --format json", "trial 3", "trial 3 --json"}) {
    auto a = RunAutotune(dir_, command + server);
    auto b = RunAutotune(dir_, command + store);
    EXPECT_EQ(a.exit_code, 0) << command << ": " << a.err;
    EXPECT_EQ(a.out, b.out) << command;
    EXPECT_FALSE(a.out.empty()) << command;
  }
  // Errors say the same thing the same way.
  auto missing = RunAutotune(dir_, "show nothing" + server);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no study named 'nothing'"), std::string::npos) << missing.err;
  EXPECT_EQ(RunAutotune(dir_, "trial 999" + server).exit_code, 2);
  auto unreachable = RunAutotune(dir_, "ls --server http://127.0.0.1:1");
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.err.find("cannot connect"), std::string::npos) << unreachable.err;
}

TEST_F(ServeTest, SigtermInterruptsRunningSegmentsAndTheNextStartResumesTheStudy) {
  WriteTrial(2);
  WriteSpec("slow", 4, 2);
  std::int64_t id = 0;
  {
    ServeProcess serve(dir_, {"--slots", "2"});
    ASSERT_FALSE(serve.url().empty()) << serve.log();
    auto client = Client(serve);
    auto r = client.Post("/api/v1/studies", ReadAll(dir_ / "spec.json"));
    ASSERT_TRUE(r.ok() && r->status == 201) << (r.ok() ? r->body : r.status().ToString());
    id = json::parse(r->body)["id"];
    // Wait until segments run, then stop the server.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (GetJson(client, "/api/v1/studies/" + std::to_string(id))
                   .value("counts", json::object())
                   .value("running", 0) < 2 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int status = serve.Signal(SIGTERM);
    ASSERT_TRUE(WIFEXITED(status)) << serve.log();
    EXPECT_EQ(WEXITSTATUS(status), 0) << serve.log();
    EXPECT_NE(serve.log().find("SIGTERM"), std::string::npos) << serve.log();
  }
  auto mid = json::parse(RunAutotune(dir_, "trials slow --db s.db --json").out);
  int pending = 0;
  for (const auto& t : mid) pending += t["state"] == "pending";
  EXPECT_GE(pending, 2) << mid.dump();  // the interrupted ones wait to be resumed
  auto show = json::parse(RunAutotune(dir_, "show slow --db s.db --json").out);
  EXPECT_EQ(show["state"], "running");
  auto first = json::parse(RunAutotune(dir_, "trial 1 --db s.db --json").out);
  ASSERT_FALSE(first["segments"].empty());
  EXPECT_EQ(first["segments"][0]["state"], "cancelled");

  ServeProcess again(dir_, {"--slots", "2"});
  ASSERT_FALSE(again.url().empty()) << again.log();
  auto client = Client(again);
  ASSERT_TRUE(WaitForStudyState(client, id, "completed")) << again.log();
  auto done = json::parse(RunAutotune(dir_, "trials slow --db s.db --json").out);
  ASSERT_EQ(done.size(), 4u);
  for (const auto& t : done) EXPECT_EQ(t["state"], "completed");
}

TEST_F(ServeTest, ATokenFileTurnsAuthOnAndTheCliSendsTheToken) {
  WriteFile(dir_ / "token", "  s3cret-token-for-tests-0001\n");
  ::chmod((dir_ / "token").c_str(), 0600);
  ServeProcess serve(dir_, {"--token-file", "token"});
  ASSERT_FALSE(serve.url().empty()) << serve.log();
  auto anonymous = RunAutotune(dir_, "ls --server " + serve.url());
  EXPECT_EQ(anonymous.exit_code, 2);
  EXPECT_NE(anonymous.err.find("--token"), std::string::npos) << anonymous.err;
  auto flag = RunAutotune(dir_, "ls --json --server " + serve.url() + " --token s3cret-token-for-tests-0001");
  EXPECT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_EQ(flag.out, "[]\n");
  ::setenv("AUTOTUNE_TOKEN", "s3cret-token-for-tests-0001", 1);
  auto env = RunAutotune(dir_, "ls --json --server " + serve.url());
  ::unsetenv("AUTOTUNE_TOKEN");
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.out, "[]\n");
}

TEST_F(ServeTest, ServingOffLoopbackWithoutATokenIsRefusedBeforeBinding) {
  auto r = RunAutotune(dir_, "serve --db s.db --host 0.0.0.0 --port 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--token-file"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "s.db"));
  WriteFile(dir_ / "short", "abc\n");
  auto short_token = RunAutotune(dir_, "serve --db s.db --token-file short --port 0");
  EXPECT_EQ(short_token.exit_code, 2);
  EXPECT_NE(short_token.err.find("shorter than 16"), std::string::npos) << short_token.err;
  auto no_file = RunAutotune(dir_, "serve --db s.db --token-file missing --port 0");
  EXPECT_EQ(no_file.exit_code, 2);
}

TEST_F(ServeTest, AskAndTellFromTheCliAndThePythonWorker) {
  ServeProcess serve(dir_);
  ASSERT_FALSE(serve.url().empty()) << serve.log();
  const std::string server = " --server " + serve.url();
  WriteFile(dir_ / "at.json", R"({"name": "at", "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "budget": {"max_trials": 2}})");
  ASSERT_EQ(RunAutotune(dir_, "submit at.json" + server).exit_code, 0);
  auto asked = RunAutotune(dir_, "ask at --json" + server);
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  const std::int64_t trial = json::parse(asked.out)["trial_id"];
  auto report = RunAutotune(
      dir_, "tell " + std::to_string(trial) + " --step 2 --metric loss=0.5 --metric value=3" + server);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(report.out, "trial " + std::to_string(trial) + ": running\n");
  auto told = RunAutotune(dir_, "tell " + std::to_string(trial) + " --value 0.25" + server);
  EXPECT_EQ(told.exit_code, 0) << told.err;
  EXPECT_EQ(told.out, "trial " + std::to_string(trial) + ": completed, value 0.25 at step 2\n");
  auto again = RunAutotune(dir_, "tell " + std::to_string(trial) + " --value 0.5" + server);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("completed"), std::string::npos) << again.err;
  EXPECT_EQ(RunAutotune(dir_, "tell " + std::to_string(trial) + server).exit_code, 2);  // nothing to tell
  EXPECT_EQ(RunAutotune(dir_, "tell " + std::to_string(trial) + " --metric loss" + server).exit_code, 2);
  auto bad = RunAutotune(dir_, "submit spec-missing.json" + server);
  EXPECT_EQ(bad.exit_code, 2);

  // The example worker drives a whole study with two threads.
  const std::string worker = SourceDir() + "/examples/ask_tell_worker.py";
  const std::string spec = SourceDir() + "/examples/ask-tell-branin.json";
  const std::string cmd = "cd '" + dir_.string() + "' && python3 '" + worker + "' --server " + serve.url() +
                          " --spec '" + spec + "' --workers 2 --steps 2 > worker.out 2> worker.err";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadAll(dir_ / "worker.err");
  EXPECT_NE(ReadAll(dir_ / "worker.out").find("told 40 trials; study completed"), std::string::npos)
      << ReadAll(dir_ / "worker.out") << ReadAll(dir_ / "worker.err");
  auto show = json::parse(RunAutotune(dir_, "show branin-ask-tell --json" + server).out);
  EXPECT_EQ(show["state"], "completed");
  EXPECT_EQ(show["counts"]["completed"], 40);
  EXPECT_LT(show["best"]["value"].get<double>(), 5.0);  // TPE finds the basin (minimum 0.398)
}

}  // namespace
}  // namespace autotune::testing
