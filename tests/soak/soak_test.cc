// Soak: 8 clients ask and tell for 60 s against one study of `autotune serve`
// while another study runs trial programs on the same server. No request
// fails, no tell is lost, and the store's counts equal the clients' counts.
// The asked study uses random search, so the load is the service's own
// (auto would pick gp for this space, whose suggestions cost more as the
// trials grow). (AUTOTUNE_SOAK_SECONDS changes the duration; ctest -L soak
// runs it alone.)
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "tests/integration/serve_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class SoakTest : public TempDirTest {};

struct ClientCounts {
  long asks = 0, reports = 0, tells = 0;
  std::vector<std::string> errors;
};

TEST_F(SoakTest, EightClientsAskAndTellWhileAnotherStudyRunsPrograms) {
  const char* env = std::getenv("AUTOTUNE_SOAK_SECONDS");
  const double seconds = env ? std::atof(env) : 60;
  WriteFile(dir_ / "trial.sh",
            "#!/bin/sh\nsleep 0.05\necho \"AUTOTUNE {\\\"step\\\": 1, \\\"value\\\": $AUTOTUNE_TRIAL_ID}\"\n",
            true);
  ServeProcess serve(dir_, {"--slots", "2"});
  ASSERT_FALSE(serve.url().empty()) << serve.log();
  web::HttpClient admin(serve.address(), {});
  auto programs = admin.Post("/api/v1/studies",
                             R"({"name": "programs", "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "trial": {"command": ["./trial.sh"]}, "budget": {"max_trials": 1000000, "max_parallel": 2}})");
  ASSERT_TRUE(programs.ok() && programs->status == 201)
      << (programs.ok() ? programs->body : programs.status().ToString());
  auto asked_study = admin.Post("/api/v1/studies",
                                R"({"name": "soak", "space": {"x": {"type": "float", "low": -5, "high": 5},
      "n": {"type": "int", "low": 1, "high": 64}}, "searcher": {"algorithm": "random"},
      "budget": {"max_trials": 10000000, "max_parallel": 8}})");
  ASSERT_TRUE(asked_study.ok() && asked_study->status == 201);
  const std::int64_t programs_id = json::parse(programs->body)["id"];
  const std::int64_t soak_id = json::parse(asked_study->body)["id"];

  std::vector<ClientCounts> counts(8);
  std::vector<std::thread> clients;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      ClientCounts& mine = counts[c];
      web::HttpClient client(serve.address(), {});
      auto fail = [&](const std::string& what, const StatusOr<web::HttpResult>& r) {
        if (mine.errors.size() < 5)
          mine.errors.push_back(what + ": " +
                                (r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString()));
      };
      const std::string ask = "/api/v1/studies/" + std::to_string(soak_id) + "/ask";
      while (std::chrono::steady_clock::now() < end) {
        auto a = client.Post(ask, "");
        if (!a.ok() || a->status != 200) {
          fail("ask", a);
          continue;
        }
        ++mine.asks;
        const json trial = json::parse(a->body);
        const std::string tell =
            "/api/v1/trials/" + std::to_string(trial["trial_id"].get<std::int64_t>()) + "/tell";
        const double x = trial["params"]["x"];
        if (mine.asks % 5 == 0) {
          auto r = client.Post(tell, json{{"step", 1}, {"metrics", {{"loss", x * x + 1}}}}.dump());
          if (!r.ok() || r->status != 200)
            fail("report", r);
          else
            ++mine.reports;
        }
        auto t = client.Post(tell, json{{"value", x * x}, {"step", 2}}.dump());
        if (!t.ok() || t->status != 200 || json::parse(t->body)["state"] != "completed")
          fail("tell", t);
        else
          ++mine.tells;
      }
    });
  }
  for (auto& t : clients) t.join();

  long asks = 0, reports = 0, tells = 0;
  for (const auto& c : counts) {
    asks += c.asks, reports += c.reports, tells += c.tells;
    for (const auto& e : c.errors) ADD_FAILURE() << e;
  }
  EXPECT_EQ(tells, asks);
  EXPECT_GT(tells, 100) << "the clients barely ran";
  std::printf("soak: %.0f s, %ld asks, %ld reports, %ld tells (%.0f pairs/s)\n", seconds, asks, reports,
              tells, tells / seconds);

  // The server's view, then the store file's after a clean shutdown.
  auto programs_now = GetJson(admin, "/api/v1/studies/" + std::to_string(programs_id));
  EXPECT_GT(programs_now["counts"].value("completed", 0), 0) << programs_now.dump();
  EXPECT_EQ(programs_now["counts"].value("failed", 0), 0) << programs_now.dump();
  auto stopped = admin.Post("/api/v1/studies/" + std::to_string(programs_id) + "/stop", "");
  ASSERT_TRUE(stopped.ok() && stopped->status == 202);
  ASSERT_TRUE(WaitForStudyState(admin, programs_id, "stopped"));
  const int status = serve.Signal(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << serve.log();

  auto show = RunAutotune(dir_, "show soak --db s.db --json");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const json stored = json::parse(show.out);
  EXPECT_EQ(stored["counts"].value("completed", 0), tells) << stored["counts"].dump();
  EXPECT_EQ(stored["counts"].size(), 1u) << "trials in other states: " << stored["counts"].dump();
  EXPECT_EQ(stored["state"], "running");  // its budget is far from spent
}

}  // namespace
}  // namespace autotune::testing
