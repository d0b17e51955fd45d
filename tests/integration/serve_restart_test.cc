// kill -9 of `autotune serve` in the middle of a study, then a new start:
// the study resumes by itself and completes with exactly max_trials
// completed trials, none of them run again (the interrupted ones at most
// twice).
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/serve_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class ServeRestartTest : public TempDirTest {};

int CountLines(const std::filesystem::path& p) {
  std::string s = ReadAll(p);
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

TEST_F(ServeRestartTest, KillNineMidStudyThenAStartCompletesEachTrialOnce) {
  // Each run appends its trial id when it starts; a run takes ~0.4 s.
  WriteFile(dir_ / "trial.py", R"(#!/usr/bin/env python3
import json, os, time
with open(os.environ["RUNS_LOG"], "a") as f:
    f.write(os.environ["AUTOTUNE_TRIAL_ID"] + "\n")
time.sleep(0.4)
x = json.loads(os.environ["AUTOTUNE_PARAMS"])["x"]
print("AUTOTUNE " + json.dumps({"step": 1, "value": (x - 0.3) ** 2}), flush=True)
)", true);
  json spec = json::parse(R"({
    "name": "restart", "objective": {"metric": "value", "mode": "min"},
    "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "trial": {"command": ["./trial.py"], "timeout_s": 30},
    "budget": {"max_trials": 12, "max_parallel": 2}, "seed": 3})");
  spec["trial"]["env"] = {{"RUNS_LOG", (dir_ / "runs.log").string()}};
  WriteFile(dir_ / "spec.json", spec.dump());

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

    auto mid = json::parse(RunAutotune(dir_, "trials restart --db s.db --json").out);
    for (const auto& row : mid)
      if (row["state"] == "completed") completed_before.insert(row["trial_id"].get<std::int64_t>());
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
  std::map<std::int64_t, int> runs;
  std::istringstream log(ReadAll(dir_ / "runs.log"));
  for (std::int64_t trial; log >> trial;) ++runs[trial];
  EXPECT_EQ(runs.size(), 12u);
  for (const auto& [trial, n] : runs) {
    if (completed_before.count(trial)) EXPECT_EQ(n, 1) << "completed trial " << trial << " ran again";
    else EXPECT_LE(n, 2) << "trial " << trial;
  }
}

}  // namespace
}  // namespace autotune::testing
