// What the kill -9 tests of `autotune run` and `autotune serve` share: a
// trial program that logs each run of a trial, its spec, and the check that
// no completed trial ran again.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/integration/cli_util.h"

namespace autotune::testing {

inline int CountLines(const std::filesystem::path& p) {
  std::string s = ReadAll(p);
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// dir/trial.py appends its trial id to dir/runs.log when it starts, takes
// ~0.4 s and reports (x - 0.3)^2; dir/spec.json runs 12 of them, 2 at a time.
inline void WriteCountingStudy(const std::filesystem::path& dir, const std::string& name) {
  WriteFile(dir / "trial.py", R"(#!/usr/bin/env python3
import json, os, time
with open(os.environ["RUNS_LOG"], "a") as f:
    f.write(os.environ["AUTOTUNE_TRIAL_ID"] + "\n")
time.sleep(0.4)
x = json.loads(os.environ["AUTOTUNE_PARAMS"])["x"]
print("AUTOTUNE " + json.dumps({"step": 1, "value": (x - 0.3) ** 2}), flush=True)
)",
            true);
  nlohmann::json spec = nlohmann::json::parse(R"({
    "objective": {"metric": "value", "mode": "min"},
    "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "trial": {"command": ["./trial.py"], "timeout_s": 30},
    "budget": {"max_trials": 12, "max_parallel": 2}, "seed": 3})");
  spec["name"] = name;
  spec["trial"]["env"] = {{"RUNS_LOG", (dir / "runs.log").string()}};
  WriteFile(dir / "spec.json", spec.dump());
}

// The ids of the study's completed trials, from `autotune trials --json`.
inline std::set<std::int64_t> CompletedTrials(const std::string& trials_json) {
  std::set<std::int64_t> out;
  for (const auto& row : nlohmann::json::parse(trials_json))
    if (row["state"] == "completed") out.insert(row["trial_id"].get<std::int64_t>());
  return out;
}

// Each of the 12 trials ran; those completed before the kill exactly once,
// the others (interrupted) at most twice.
inline void ExpectEachCompletedTrialRanOnce(const std::filesystem::path& dir,
                                            const std::set<std::int64_t>& completed_before) {
  std::map<std::int64_t, int> runs;
  std::istringstream log(ReadAll(dir / "runs.log"));
  for (std::int64_t trial; log >> trial;) ++runs[trial];
  EXPECT_EQ(runs.size(), 12u);
  for (const auto& [trial, n] : runs) {
    if (completed_before.count(trial))
      EXPECT_EQ(n, 1) << "completed trial " << trial << " ran again";
    else
      EXPECT_LE(n, 2) << "trial " << trial;
  }
}

}  // namespace autotune::testing
