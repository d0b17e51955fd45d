// The study engine through the real binary: ASHA survives kill -9 with its
// promotions intact; one owner per study; a store locked by another program
// for longer than SQLite's busy timeout; SIGHUP; why a trial failed.
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/cli_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class EngineCliTest : public TempDirTest {
 protected:
  int Lines(const std::string& file) {
    std::string s = ReadAll(dir_ / file);
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }
  json Json(const std::string& args) {
    auto r = RunAutotune(dir_, args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return json::parse(r.out, nullptr, false);
  }
  // A trial program: logs "<trial> <begin> <end>" to RUNS_LOG, sleeps SLEEP_S
  // per step, reports a falling curve and checks that it resumes from its
  // own checkpoint of exactly its first step (exit 3 otherwise).
  void WriteCurveTrial() {
    WriteFile(dir_ / "curve.py", R"(#!/usr/bin/env python3
import json, os, sys, time
x = json.loads(os.environ["AUTOTUNE_PARAMS"])["x"]
tid = os.environ["AUTOTUNE_TRIAL_ID"]
begin, end = int(os.environ["AUTOTUNE_STEP_BEGIN"]), int(os.environ["AUTOTUNE_STEP_END"])
if begin > 0:
    rf = os.environ.get("AUTOTUNE_RESUME_FROM")
    st = json.load(open(os.path.join(rf, "state.json"))) if rf else None
    if not st or st["trial"] != tid or st["step"] != begin:
        print("WRONG CHECKPOINT", st, tid, begin, file=sys.stderr)
        sys.exit(3)
with open(os.environ["RUNS_LOG"], "a") as f:
    f.write("%s %d %d\n" % (tid, begin, end))
for s in range(begin + 1, end + 1):
    time.sleep(float(os.environ.get("SLEEP_S", "0")))
    print("AUTOTUNE " + json.dumps({"step": s, "value": (x - 0.3) ** 2 + 1.0 / s}), flush=True)
d = os.environ["AUTOTUNE_CHECKPOINT_DIR"]
json.dump({"trial": tid, "step": end}, open(os.path.join(d, "state.json"), "w"))
open(os.path.join(d, "COMPLETE"), "w").close()
)",
              true);
  }
  void WriteSpec(const std::string& name, const json& extra, double sleep_s) {
    json spec = {{"name", name},
                 {"space", {{"x", {{"type", "float"}, {"low", 0}, {"high", 1}}}}},
                 {"trial",
                  {{"command", {"./curve.py"}},
                   {"env", {{"RUNS_LOG", (dir_ / "runs.log").string()}, {"SLEEP_S", std::to_string(sleep_s)}}}}},
                 {"seed", 5}};
    spec.update(extra, true);
    WriteFile(dir_ / (name + ".json"), spec.dump());
  }
};

TEST_F(EngineCliTest, AshaSurvivesKillNineWithNoPromotionLostOrMadeTwice) {
  WriteCurveTrial();
  WriteSpec("asha",
            {{"scheduler", {{"algorithm", "asha"}, {"min_steps", 1}, {"reduction_factor", 3}}},
             {"trial", {{"max_steps", 9}, {"timeout_s", 60}}},
             {"budget", {{"max_trials", 12}, {"max_parallel", 2}}}},
            0.05);
  pid_t pid = StartAutotune(dir_, {"run", "asha.json", "--db", "s.db", "-q"});
  ASSERT_TRUE(WaitFor([&] { return Lines("runs.log") >= 8; }));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_EQ(WaitExit(pid), 128 + SIGKILL);
  auto r = RunAutotune(dir_, "run asha.json --db s.db -q");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  json trials = Json("trials --db s.db --study asha --json");
  ASSERT_EQ(trials.size(), 12u);
  std::map<std::int64_t, std::map<std::int64_t, double>> loss_at;  // trial -> step -> value
  std::map<std::int64_t, std::int64_t> reached;
  for (const auto& row : trials) {
    const auto id = row["trial_id"].get<std::int64_t>();
    const std::string state = row["state"];
    EXPECT_TRUE(state == "completed" || state == "pruned") << id << " " << state;
    json detail = Json("trial " + std::to_string(id) + " --db s.db --json");
    std::set<std::pair<std::int64_t, std::int64_t>> ranges;
    std::int64_t next = 0;
    for (const auto& seg : detail["segments"]) {
      EXPECT_NE(seg["state"], "failed") << seg.dump();  // a wrong checkpoint would fail it
      if (seg["state"] != "completed") continue;
      const auto b = seg["step_begin"].get<std::int64_t>(), e = seg["step_end"].get<std::int64_t>();
      EXPECT_TRUE(ranges.insert({b, e}).second) << "trial " << id << " ran [" << b << ", " << e << ") twice";
      EXPECT_EQ(b, next) << "trial " << id << " skipped steps";
      next = e;
      loss_at[id][e] = seg["value"].get<double>();
      if (b > 0) {
        EXPECT_EQ(seg["source_trial_id"], id);  // resumed from its own checkpoint
      }
    }
    reached[id] = next;
  }
  // ASHA's end state: in every rung, the top ⌊n/3⌋ trials were promoted.
  for (std::int64_t rung : {1, 3}) {
    std::vector<std::pair<double, std::int64_t>> members;
    for (const auto& [id, losses] : loss_at)
      if (losses.count(rung)) members.emplace_back(losses.at(rung), id);
    std::sort(members.begin(), members.end());
    for (std::size_t i = 0; i < members.size() / 3; ++i)
      EXPECT_GT(reached[members[i].second], rung) << "trial " << members[i].second << " not promoted past " << rung;
  }
}

TEST_F(EngineCliTest, ASecondRunOfAStudyIsRefusedUntilItsOwnerDies) {
  WriteCurveTrial();
  WriteSpec("own", {{"budget", {{"max_trials", 3}, {"max_parallel", 1}}}}, 1.0);
  pid_t pid = StartAutotune(dir_, {"run", "own.json", "--db", "s.db", "-q"});
  ASSERT_TRUE(WaitFor([&] { return Lines("runs.log") >= 1; }));
  auto second = RunAutotune(dir_, "run own.json --db s.db -q");
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_NE(second.err.find("being run by another process"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("pid " + std::to_string(pid)), std::string::npos) << second.err;
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  WaitExit(pid);
  auto third = RunAutotune(dir_, "run own.json --db s.db -q");
  EXPECT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(Json("show --db s.db --study own --json")["counts"]["completed"], 3);
}

TEST_F(EngineCliTest, AStoreLockedLongerThanTheBusyTimeoutDelaysTheStudyButFailsNothing) {
  WriteCurveTrial();
  WriteSpec("lk", {{"budget", {{"max_trials", 30}, {"max_parallel", 2}}}}, 0.3);
  pid_t pid = StartAutotune(dir_, {"run", "lk.json", "--db", "lk.db", "-q"});
  ASSERT_TRUE(WaitFor([&] { return Lines("runs.log") >= 2; }));
  // Another program holds an exclusive lock for 6 s (SQLite's own wait is 5 s).
  int rc = std::system(("cd '" + dir_.string() +
                        "' && (echo 'BEGIN EXCLUSIVE;'; sleep 6; echo 'COMMIT;') | sqlite3 lk.db")
                           .c_str());
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(WaitExit(pid), 0) << ReadAll(dir_ / "bg-err.txt");
  json shown = Json("show --db lk.db --study lk --json");
  EXPECT_EQ(shown["state"], "completed");
  EXPECT_EQ(shown["counts"]["completed"], 30);
  EXPECT_FALSE(shown["counts"].contains("failed"));
}

TEST_F(EngineCliTest, SighupStopsTheStudyResumably) {
  WriteCurveTrial();
  WriteSpec("hup", {{"budget", {{"max_trials", 4}, {"max_parallel", 1}}}}, 0.5);
  pid_t pid = StartAutotune(dir_, {"run", "hup.json", "--db", "s.db"});
  ASSERT_TRUE(WaitFor([&] { return Lines("runs.log") >= 1; }));
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  EXPECT_EQ(WaitExit(pid), 1);
  EXPECT_NE(ReadAll(dir_ / "bg-err.txt").find("stopped; run the same command again"), std::string::npos);
  EXPECT_EQ(Json("show --db s.db --study hup --json")["state"], "stopped");
  auto again = RunAutotune(dir_, "run hup.json --db s.db -q");
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(EngineCliTest, QueriesShowWhyATrialFailedAfterTheRunEnded) {
  WriteFile(dir_ / "bad.py", "#!/bin/sh\necho 'loading data'\necho 'kaboom: out of memory' >&2\nexit 1\n", true);
  WriteFile(dir_ / "bad.json", R"({"name": "bad", "space": {"x": {"type": "float", "low": 0, "high": 1}},
    "trial": {"command": ["./bad.py"]}, "budget": {"max_trials": 2}})");
  auto r = RunAutotune(dir_, "run bad.json --db s.db -q");
  EXPECT_EQ(r.exit_code, 1);
  auto failed = RunAutotune(dir_, "trials --db s.db --study bad --failed");
  EXPECT_EQ(failed.exit_code, 0);
  EXPECT_NE(failed.out.find("exited with status 1"), std::string::npos) << failed.out;
  json rows = Json("trials --db s.db --study bad --state failed --json");
  ASSERT_EQ(rows.size(), 2u);
  auto detail = RunAutotune(dir_, "trial " + std::to_string(rows[0]["trial_id"].get<int>()) + " --db s.db");
  EXPECT_EQ(detail.exit_code, 0);
  EXPECT_NE(detail.out.find("kaboom: out of memory"), std::string::npos) << detail.out;
  EXPECT_NE(detail.out.find("exited with status 1"), std::string::npos) << detail.out;
  auto bad_state = RunAutotune(dir_, "trials --db s.db --study bad --state sleeping");
  EXPECT_EQ(bad_state.exit_code, 2);
  auto no_trial = RunAutotune(dir_, "trial 999 --db s.db");
  EXPECT_EQ(no_trial.exit_code, 2);
}

TEST_F(EngineCliTest, ADefaultWrittenOutResumesTheSameStudy) {
  WriteCurveTrial();
  WriteSpec("def", {{"budget", {{"max_trials", 2}}}}, 0);
  ASSERT_EQ(RunAutotune(dir_, "run def.json --db s.db -q").exit_code, 0);
  WriteSpec("def",
            {{"budget", {{"max_trials", 2}, {"max_parallel", 1}, {"max_time_s", 0}}},
             {"objective", {{"metric", "value"}, {"mode", "min"}}},
             {"trial", {{"retries", 0}, {"max_steps", 1}}},
             {"scheduler", {{"algorithm", "none"}}}},
            0);
  auto r = RunAutotune(dir_, "run def.json --db s.db -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("already finished"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace autotune::testing
