// kill -9 of `autotune run` in the middle of a study with 2 parallel trials,
// then the same command again: exactly max_trials completed trials, each run
// once (at most the interrupted ones twice).
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/cli_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class ResumeTest : public TempDirTest {};

int CountLines(const std::filesystem::path& p) {
  std::string s = ReadAll(p);
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

TEST_F(ResumeTest, KillNineThenRerunCompletesEachTrialOnce) {
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
    "name": "resume", "objective": {"metric": "value", "mode": "min"},
    "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "searcher": {"algorithm": "random"},
    "trial": {"command": ["./trial.py"], "timeout_s": 30},
    "budget": {"max_trials": 12, "max_parallel": 2}, "seed": 3})");
  spec["trial"]["env"] = {{"RUNS_LOG", (dir_ / "runs.log").string()}};
  WriteFile(dir_ / "spec.json", spec.dump());

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::chdir(dir_.c_str());
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    ::execl(AutotuneBinary().c_str(), "autotune", "run", "spec.json", "--db", "s.db", "-q", nullptr);
    ::_exit(127);
  }
  // Let about a third of the trials start, then kill -9 mid-study.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (CountLines(dir_ / "runs.log") < 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto mid = json::parse(RunAutotune(dir_, "trials --db s.db --study resume --json").out);
  std::set<std::int64_t> completed_before;
  for (const auto& row : mid)
    if (row["state"] == "completed") completed_before.insert(row["trial_id"].get<std::int64_t>());
  ASSERT_LT(completed_before.size(), 12u) << "the kill came too late to test anything";
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // orphans of the killed run finish

  auto r = RunAutotune(dir_, "run spec.json --db s.db -q");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  auto final_trials = json::parse(RunAutotune(dir_, "trials --db s.db --study resume --json").out);
  ASSERT_EQ(final_trials.size(), 12u);
  for (const auto& row : final_trials) EXPECT_EQ(row["state"], "completed");

  std::map<std::int64_t, int> runs;
  std::istringstream log(ReadAll(dir_ / "runs.log"));
  for (std::int64_t id; log >> id;) ++runs[id];
  EXPECT_EQ(runs.size(), 12u);
  for (const auto& [id, n] : runs) {
    if (completed_before.count(id)) EXPECT_EQ(n, 1) << "completed trial " << id << " ran again";
    else EXPECT_LE(n, 2) << "trial " << id;
  }
}

}  // namespace
}  // namespace autotune::testing
