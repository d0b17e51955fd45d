// PBT through the real binary: the paper's toy learns and its learned
// schedule replays to the same value; kill -9 in the middle of a PBT study,
// then the same command: the population finishes with its lineage intact and
// every exploit resumes from the right step of the right checkpoint.
#include <signal.h>

#include <nlohmann/json.hpp>

#include "tests/integration/cli_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class PbtCliTest : public TempDirTest {
 protected:
  json Json(const std::string& args) {
    auto r = RunAutotune(dir_, args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return json::parse(r.out, nullptr, false);
  }
  json ToySpec() {
    std::ifstream in(SourceDir() + "/examples/pbt-toy.json");
    json spec = json::parse(in);
    spec["trial"]["command"] = {"python3", SourceDir() + "/examples/objectives/pbt_toy.py"};
    return spec;
  }
};

TEST_F(PbtCliTest, TheToyLearnsAndItsLearnedScheduleReplaysToTheSameValue) {
  WriteFile(dir_ / "toy.json", ToySpec().dump());
  auto r = RunAutotune(dir_, "run toy.json --db s.db -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json best = Json("best --db s.db --study pbt-toy --json");
  EXPECT_GE(best["value"].get<double>(), 1.19);  // each h alone would stay at 0.39
  json trials = Json("trials --db s.db --study pbt-toy --json");
  int exploited = 0;
  for (const auto& t : trials) exploited += t["generation"].get<int>() > 0;
  EXPECT_GT(exploited, 0);
  auto exported = RunAutotune(dir_, "export --db s.db --study pbt-toy --schedule " +
                                        std::to_string(best["trial_id"].get<int>()) + " -o schedule.json");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  json schedule = json::parse(ReadAll(dir_ / "schedule.json"));
  ASSERT_GE(schedule["schedule"].size(), 2u);
  EXPECT_EQ(schedule["schedule"][0]["step"], 0);
  EXPECT_EQ(schedule["step"], 200);
  json replay = ToySpec();
  replay["name"] = "toy-replay";
  replay.erase("enqueue");
  replay["scheduler"] = {{"algorithm", "replay"}, {"schedule", schedule["schedule"]}};
  replay["budget"] = {{"max_trials", 1}, {"max_parallel", 1}};
  WriteFile(dir_ / "replay.json", replay.dump());
  auto rr = RunAutotune(dir_, "run replay.json --db s.db -q");
  ASSERT_EQ(rr.exit_code, 0) << rr.err;
  json replayed = Json("best --db s.db --study toy-replay --json");
  EXPECT_NEAR(replayed["value"].get<double>(), best["value"].get<double>(), 1e-9);
}

TEST_F(PbtCliTest, KillNineMidStudyKeepsLineageAndResumesEveryExploitFromTheRightCheckpoint) {
  // Each start is logged; the toy exits non-zero on a checkpoint of the wrong step.
  WriteFile(dir_ / "toy.sh",
            "#!/bin/sh\necho \"$AUTOTUNE_TRIAL_ID $AUTOTUNE_STEP_BEGIN\" >> \"$RUNS_LOG\"\nexec python3 '" +
                SourceDir() + "/examples/objectives/pbt_toy.py'\n",
            true);
  json spec = ToySpec();
  spec["name"] = "pbt-kill";
  spec["enqueue"] = {{{"h0", 1}, {"h1", 0}}, {{"h0", 0}, {"h1", 1}}, {{"h0", 0.5}, {"h1", 0}}, {{"h0", 0}, {"h1", 0.5}}};
  spec["trial"] = {{"command", {"./toy.sh"}}, {"max_steps", 120}, {"retries", 0}, {"keep_checkpoints", 2},
                   {"env", {{"RUNS_LOG", (dir_ / "runs.log").string()}}}};
  spec["budget"] = {{"max_trials", 4}, {"max_parallel", 2}};
  spec["scheduler"]["population"] = 4;  // four members taking turns on two workers
  spec["scheduler"]["mode"] = "async";
  WriteFile(dir_ / "kill.json", spec.dump());
  pid_t pid = StartAutotune(dir_, {"run", "kill.json", "--db", "s.db", "-q"});
  ASSERT_TRUE(WaitFor([&] {
    std::string s = ReadAll(dir_ / "runs.log");
    return std::count(s.begin(), s.end(), '\n') >= 50;
  }));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_EQ(WaitExit(pid), 128 + SIGKILL);
  auto r = RunAutotune(dir_, "run kill.json --db s.db -q");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json trials = Json("trials --db s.db --study pbt-kill --json");
  ASSERT_EQ(trials.size(), 4u);
  for (const auto& t : trials) {
    EXPECT_EQ(t["state"], "completed");
    const int id = t["trial_id"].get<int>();
    json detail = Json("trial " + std::to_string(id) + " --db s.db --json");
    EXPECT_EQ(detail["step"], 120) << detail.dump();
    for (const auto& seg : detail["segments"]) {
      // A failed segment would mean a wrong (or missing) checkpoint.
      EXPECT_NE(seg["state"], "failed") << seg.dump();
      if (seg["step_begin"].get<int>() > 0 && seg["state"] != "running") {
        EXPECT_FALSE(seg["resume_from"].get<std::string>().empty());
        EXPECT_NE(seg["resume_from"].get<std::string>().find("/trial-"), std::string::npos);
      }
    }
    // The lineage can be followed back to step 0.
    json schedule = Json("export --db s.db --study pbt-kill --schedule " + std::to_string(id));
    ASSERT_FALSE(schedule["lineage"].empty());
    EXPECT_EQ(schedule["lineage"][0]["step"], 0);
    EXPECT_EQ(schedule["step"], 120);
  }
  // Only the kept checkpoints are left, and they are complete.
  json shown = Json("show --db s.db --study pbt-kill --json");
  EXPECT_EQ(shown["checkpoints"]["live"], 2);
}

}  // namespace
}  // namespace autotune::testing
