// Bad specs are refused before anything is written; bad trial programs fail
// their trial with the reason recorded while the study goes on.
#include <nlohmann/json.hpp>

#include "tests/integration/cli_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class BadInputTest : public TempDirTest {
 protected:
  json ValidSpec() {
    return json::parse(R"({
      "name": "s", "objective": {"metric": "value", "mode": "min"},
      "space": {"x": {"type": "float", "low": 0, "high": 1}},
      "trial": {"command": ["/bin/true"]}, "budget": {"max_trials": 2}})");
  }
  // Runs the spec and expects exit 2 with `field` in the message and no store.
  void ExpectRefused(const std::string& text, const std::string& field) {
    WriteFile(dir_ / "spec.json", text);
    auto r = RunAutotune(dir_, "run spec.json --db s.db");
    EXPECT_EQ(r.exit_code, 2) << text << "\n" << r.err;
    EXPECT_NE(r.err.find(field), std::string::npos) << "expected '" << field << "' in: " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "s.db")) << "a refused spec must write nothing";
  }
};

TEST_F(BadInputTest, MalformedSpecsAreRefusedNamingTheField) {
  ExpectRefused("{not json", "not valid JSON");
  json j = ValidSpec();
  j["colour"] = 1;
  ExpectRefused(j.dump(), "colour: is not a known field");
  j = ValidSpec();
  j["space"]["x"]["high"] = -1;
  ExpectRefused(j.dump(), "space.x.high");
  j = ValidSpec();
  j["space"]["x"]["log"] = true;
  ExpectRefused(j.dump(), "space.x.low: must be > 0 for a log scale");
  j = ValidSpec();
  j["space"]["c"] = {{"type", "categorical"}, {"choices", json::array()}};
  ExpectRefused(j.dump(), "space.c.choices");
  j = ValidSpec();
  j["space"]["x"]["low"] = "zero";
  ExpectRefused(j.dump(), "space.x.low: must be a number");
  j = ValidSpec();
  j["searcher"] = {{"algorithm", "annealing"}};
  ExpectRefused(j.dump(), "searcher.algorithm");
  j = ValidSpec();
  j["searcher"] = {{"algorithm", "gp"}, {"n_initail", 3}};
  ExpectRefused(j.dump(), "searcher.n_initail");
  j = ValidSpec();
  j["budget"]["max_trials"] = -3;
  ExpectRefused(j.dump(), "budget.max_trials");
  j = ValidSpec();
  j["trial"]["command"] = {"/no/such/program"};
  ExpectRefused(j.dump(), "trial.command[0]");
  j = ValidSpec();
  j["trial"]["command"] = {"no-such-program-on-path"};
  ExpectRefused(j.dump(), "trial.command[0]");
}

TEST_F(BadInputTest, MisbehavingTrialProgramsFailTheirTrialWithTheReason) {
  WriteFile(dir_ / "trial.py", R"(#!/usr/bin/env python3
import json, os, sys, time
mode = json.loads(os.environ["AUTOTUNE_PARAMS"])["mode"]
print("starting", mode, flush=True)
if mode == "ok":
    print('AUTOTUNE {"step": 1, "value": 1.5}')
elif mode == "crash":
    print("Traceback: something broke", file=sys.stderr); sys.exit(3)
elif mode == "hang":
    time.sleep(60)
elif mode == "garbage":
    print("AUTOTUNE {this is not json")
elif mode == "nan":
    print('AUTOTUNE {"step": 1, "value": NaN}')
elif mode == "missing":
    print('AUTOTUNE {"step": 1, "loss": 2.0}')
)", true);
  json spec = json::parse(R"({
    "name": "bad", "objective": {"metric": "value", "mode": "min"},
    "space": {"mode": {"type": "categorical",
                       "choices": ["ok", "crash", "hang", "garbage", "nan", "missing"]}},
    "searcher": {"algorithm": "grid", "shuffle": false},
    "trial": {"command": ["./trial.py"], "timeout_s": 1.5, "retries": 0},
    "budget": {"max_trials": 6, "max_parallel": 3}})");
  WriteFile(dir_ / "spec.json", spec.dump());
  auto start = std::chrono::steady_clock::now();
  auto r = RunAutotune(dir_, "run spec.json --db s.db -q");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // one trial completed
  EXPECT_NE(r.out.find("5 trial(s) failed"), std::string::npos) << r.out;

  auto t = json::parse(RunAutotune(dir_, "trials --db s.db --study bad --json").out);
  ASSERT_EQ(t.size(), 6u);
  std::map<std::string, std::string> state;
  for (const auto& row : t) state[row["params"]["mode"]] = row["state"];
  EXPECT_EQ(state["ok"], "completed");
  for (const char* m : {"crash", "hang", "garbage", "nan", "missing"}) EXPECT_EQ(state[m], "failed") << m;

  auto show = RunAutotune(dir_, "show --db s.db --study bad --json");
  EXPECT_EQ(json::parse(show.out)["counts"]["failed"], 5);
}

}  // namespace
}  // namespace autotune::testing
