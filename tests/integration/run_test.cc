// End-to-end: `autotune run` on real trial programs, then the query commands.
#include <nlohmann/json.hpp>

#include "tests/integration/cli_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class RunTest : public TempDirTest {
 protected:
  // A copy of examples/branin.json with a smaller budget, pointing at the
  // example objective.
  std::string BraninSpec(int max_trials, const std::string& algorithm = "random") {
    json spec = json::parse(ReadAll(SourceDir() + "/examples/branin.json"));
    spec["budget"]["max_trials"] = max_trials;
    spec["searcher"]["algorithm"] = algorithm;
    spec["trial"]["command"][1] = SourceDir() + "/examples/objectives/branin.py";
    WriteFile(dir_ / "branin.json", spec.dump(2));
    return "branin.json";
  }
};

TEST_F(RunTest, BraninStudyCompletesAndQueriesAgree) {
  auto r = RunAutotune(dir_, "run " + BraninSpec(8) + " --db s.db");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Top trials"), std::string::npos);

  auto trials = RunAutotune(dir_, "trials --db s.db --study branin --json");
  ASSERT_EQ(trials.exit_code, 0) << trials.err;
  json t = json::parse(trials.out);
  ASSERT_EQ(t.size(), 8u);
  double best = 1e300;
  for (const auto& row : t) {
    EXPECT_EQ(row["state"], "completed");
    for (const char* key : {"trial_id", "state", "value", "params", "parent_id", "generation"})
      EXPECT_TRUE(row.contains(key)) << key;
    best = std::min(best, row["value"].get<double>());
  }
  auto b = RunAutotune(dir_, "best --db s.db --study branin --json");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  json bj = json::parse(b.out);
  EXPECT_DOUBLE_EQ(bj["value"].get<double>(), best);
  EXPECT_EQ(bj["step"], 1);
  EXPECT_TRUE(bj["params"].contains("x"));

  auto ls = RunAutotune(dir_, "ls --db s.db --json");
  ASSERT_EQ(ls.exit_code, 0);
  EXPECT_EQ(json::parse(ls.out)[0]["state"], "completed");

  auto csv = RunAutotune(dir_, "export --db s.db --study branin --format csv -o trials.csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::string body = ReadAll(dir_ / "trials.csv");
  EXPECT_EQ(std::count(body.begin(), body.end(), '\n'), 9);  // header + 8 rows
}

TEST_F(RunTest, RunningAFinishedStudyAgainRunsNothing) {
  std::string spec = BraninSpec(3);
  ASSERT_EQ(RunAutotune(dir_, "run " + spec + " --db s.db").exit_code, 0);
  auto again = RunAutotune(dir_, "run " + spec + " --db s.db");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("already finished"), std::string::npos);
  auto t = json::parse(RunAutotune(dir_, "trials --db s.db --study branin --json").out);
  EXPECT_EQ(t.size(), 3u);
}

TEST_F(RunTest, ADifferentSpecUnderAnExistingNameIsRefused) {
  ASSERT_EQ(RunAutotune(dir_, "run " + BraninSpec(2) + " --db s.db").exit_code, 0);
  auto r = RunAutotune(dir_, "run " + BraninSpec(5) + " --db s.db");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("different spec"), std::string::npos) << r.err;
}

TEST_F(RunTest, ModelBasedSearchersRunThroughTheCli) {
  for (std::string algorithm : {"grid", "sobol", "gp", "tpe", "hazero", "pshe2"}) {
    auto r = RunAutotune(dir_, "run " + BraninSpec(6, algorithm) + " --db " + algorithm + ".db -q");
    EXPECT_EQ(r.exit_code, 0) << algorithm << ": " << r.out << r.err;
  }
}

TEST_F(RunTest, MixedSpaceExampleMaximisesAndReportsCurves) {
  json spec = json::parse(ReadAll(SourceDir() + "/examples/mixed-space.json"));
  spec["budget"]["max_trials"] = 6;
  spec["trial"]["command"][1] = SourceDir() + "/examples/objectives/surrogate_classifier.py";
  WriteFile(dir_ / "mixed.json", spec.dump());
  auto r = RunAutotune(dir_, "run mixed.json --db m.db -q");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto b = json::parse(RunAutotune(dir_, "best --db m.db --study mixed-space --json").out);
  EXPECT_EQ(b["step"], 10);
  EXPECT_GT(b["value"].get<double>(), 0.0);
  EXPECT_TRUE(b["params"]["depth"].is_number_integer());
  EXPECT_TRUE(b["params"]["optimizer"].is_string());
}

}  // namespace
}  // namespace autotune::testing
