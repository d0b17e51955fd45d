// kill -9 of `autotune serve` in the middle of a study, then a new start:
// the study resumes by itself and completes with exactly max_trials
// completed trials, none of them run again (the interrupted ones at most
// twice).
#include "tests/integration/restart_util.h"
#include "tests/integration/serve_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class ServeRestartTest : public TempDirTest {};

TEST_F(ServeRestartTest, KillNineMidStudyThenAStartCompletesEachTrialOnce) {
  WriteCountingStudy(dir_, "restart");
  std::set<std::int64_t> completed_before;
  std::int64_t id = 0;
  {
    ServeProcess serve(dir_, {"--slots", "2"});
    ASSERT_FALSE(serve.url().empty()) << serve.log();
    auto submitted = RunAutotune(dir_, "submit spec.json --json --server " + serve.url());
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    id = json::parse(submitted.out)["id"];
    // Let about a third of the trials start, then kill -9 mid-study.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (CountLines(dir_ / "runs.log") < 5 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    const int status = serve.Signal(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status));
    completed_before = CompletedTrials(RunAutotune(dir_, "trials restart --db s.db --json").out);
    ASSERT_LT(completed_before.size(), 12u) << "the kill came too late to test anything";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // orphans of the killed server finish

  ServeProcess again(dir_, {"--slots", "2"});
  ASSERT_FALSE(again.url().empty()) << again.log();
  web::HttpClient client(again.address(), {});
  ASSERT_TRUE(WaitForStudyState(client, id, "completed")) << again.log();

  auto final_trials = json::parse(RunAutotune(dir_, "trials restart --db s.db --json").out);
  ASSERT_EQ(final_trials.size(), 12u);
  for (const auto& row : final_trials) EXPECT_EQ(row["state"], "completed");
  ExpectEachCompletedTrialRanOnce(dir_, completed_before);
}

}  // namespace
}  // namespace autotune::testing
