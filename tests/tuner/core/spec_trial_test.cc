// ParseStudySpec's trial section (command resolution against the spec's
// folder, env) and warm-start trials.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/tuner/core/core_test_util.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

using nlohmann::json;
using testing::TempDir;
using testing::WriteFile;

json SpecWith(const json& trial) {
  json j = json::parse(R"({
    "name": "t",
    "space": {"x": {"type": "float", "low": 0, "high": 10},
              "n": {"type": "int", "low": 1, "high": 4},
              "opt": {"type": "categorical", "choices": ["sgd", "adam"]}}
  })");
  if (!trial.is_null()) j["trial"] = trial;
  return j;
}

json Command(const json& argv) { return {{"command", argv}}; }

class SpecTrialTest : public ::testing::Test {
 protected:
  StatusOr<ParsedSpec> Parse(const json& j) { return ParseStudySpec(j.dump(), dir_.path()); }

  // The parsed argv of a spec whose trial.command is argv; empty on error.
  std::vector<std::string> Argv(const json& argv) {
    auto r = Parse(SpecWith(Command(argv)));
    EXPECT_TRUE(r.ok()) << argv.dump() << ": " << r.status().ToString();
    return r.ok() ? r->spec.trial->command : std::vector<std::string>{};
  }

  Status Error(const json& spec) {
    auto r = Parse(spec);
    EXPECT_FALSE(r.ok()) << "accepted: " << spec.dump();
    return r.status();
  }

  TempDir dir_;
};

TEST_F(SpecTrialTest, RelativeProgramPathIsResolvedAgainstBaseDir) {
  std::string script = WriteFile(dir_, "bin/run.sh", "#!/bin/sh\nexit 0\n", 0755);
  EXPECT_EQ(Argv(json::array({"./bin/run.sh", "--fast"})), (std::vector<std::string>{script, "--fast"}));
  EXPECT_EQ(Argv(json::array({"bin/run.sh"}))[0], script);
  // The path is normalised.
  EXPECT_EQ(Argv(json::array({"bin/../bin/./run.sh"}))[0], script);
  // The canonical spec holds the resolved path, so it names the same program
  // wherever the study is resumed from.
  auto r = Parse(SpecWith(Command(json::array({"./bin/run.sh"}))));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::parse(r->canonical_json)["trial"]["command"][0], script);
}

TEST_F(SpecTrialTest, RelativeProgramPathDependsOnBaseDir) {
  TempDir other;
  WriteFile(dir_, "run.sh", "#!/bin/sh\n", 0755);
  // The same spec read from a folder without the script is rejected.
  auto r = ParseStudySpec(SpecWith(Command(json::array({"./run.sh"}))).dump(), other.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "trial.command[0]");
  EXPECT_NE(r.status().message().find(other / "run.sh"), std::string::npos) << r.status().message();
}

TEST_F(SpecTrialTest, AbsoluteProgramPathIsKept) {
  std::string script = WriteFile(dir_, "abs.sh", "#!/bin/sh\n", 0755);
  TempDir other;
  auto r = ParseStudySpec(SpecWith(Command(json::array({script}))).dump(), other.path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spec.trial->command[0], script);
}

TEST_F(SpecTrialTest, ProgramOnPathIsFoundButKeptAsWrittenInCanonical) {
  auto r = Parse(SpecWith(Command(json::array({"sh", "-c", "exit 0"}))));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& argv = r->spec.trial->command;
  ASSERT_EQ(argv.size(), 3u);
  EXPECT_EQ(argv[0].front(), '/');
  EXPECT_EQ(std::filesystem::path(argv[0]).filename(), "sh");
  EXPECT_EQ(argv[1], "-c");
  EXPECT_EQ(argv[2], "exit 0");
  EXPECT_EQ(json::parse(r->canonical_json)["trial"]["command"], json::array({"sh", "-c", "exit 0"}));
}

TEST_F(SpecTrialTest, MissingOrNonExecutableProgramIsRejected) {
  WriteFile(dir_, "data.txt", "not a program", 0644);
  std::filesystem::create_directories(dir_ / "folder");
  for (const json& prog : {json("/nonexistent/autotune-prog"), json("no-such-program-autotune-xyz"), json(""),
                           json("./data.txt"), json("./folder"), json("./missing.sh")}) {
    Status s = Error(SpecWith(Command(json::array({prog}))));
    EXPECT_EQ(s.field(), "trial.command[0]") << prog;
  }
}

TEST_F(SpecTrialTest, ArgumentsNamingFilesOfBaseDirBecomeAbsolute) {
  std::string py = WriteFile(dir_, "objective.py", "print(1)\n");
  std::string cfg = WriteFile(dir_, "conf/a.json", "{}");
  std::vector<std::string> argv = Argv(json::array(
      {"sh", "objective.py", "conf/a.json", "missing.py", "--config", "-v", "/etc/hostname", "conf"}));
  ASSERT_EQ(argv.size(), 8u);
  EXPECT_EQ(argv[1], py);
  EXPECT_EQ(argv[2], cfg);
  EXPECT_EQ(argv[3], "missing.py");  // no such file: an ordinary argument
  EXPECT_EQ(argv[4], "--config");
  EXPECT_EQ(argv[5], "-v");
  EXPECT_EQ(argv[6], "/etc/hostname");  // absolute paths stay
  EXPECT_EQ(argv[7], dir_ / "conf");    // an existing folder too
}

TEST_F(SpecTrialTest, EnvIsKeptButAutotuneVariablesAreRejected) {
  json trial = Command(json::array({"sh"}));
  trial["env"] = {{"OMP_NUM_THREADS", "4"}, {"MY_AUTOTUNE_X", "1"}};
  auto r = Parse(SpecWith(trial));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spec.trial->env.at("OMP_NUM_THREADS"), "4");
  EXPECT_EQ(r->spec.trial->env.at("MY_AUTOTUNE_X"), "1");
  for (const char* name : {"AUTOTUNE_PARAMS", "AUTOTUNE_SEED", "AUTOTUNE_"}) {
    trial["env"] = {{name, "x"}};
    Status s = Error(SpecWith(trial));
    EXPECT_EQ(s.field(), std::string("trial.env.") + name);
  }
}

TEST_F(SpecTrialTest, WarmStartTrialsAreParsedAndCoercedToTheSpace) {
  json j = SpecWith(nullptr);
  j["warm_start"] = json::parse(R"({"study": "earlier", "trials": [
      {"params": {"x": 3, "n": 2, "opt": "adam"}, "value": 0.5},
      {"params": {"x": 9.5, "n": 4, "opt": "sgd"}, "value": -1}]})");
  auto r = Parse(j);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& w = r->spec.warm_start;
  ASSERT_EQ(w.size(), 2u);
  // JSON writes 3.0 as 3: a float parameter still gets a double.
  EXPECT_EQ(w[0].params, (Params{{"x", 3.0}, {"n", std::int64_t{2}}, {"opt", std::string("adam")}}));
  EXPECT_EQ(w[0].value, 0.5);
  EXPECT_EQ(w[1].params.at("x"), ParamValue(9.5));
  EXPECT_EQ(w[1].value, -1.0);
  EXPECT_EQ(r->spec.warm_start_study, "earlier");
}

TEST_F(SpecTrialTest, WarmStartTrialsAreValidatedAgainstTheSpace) {
  auto error = [&](const std::string& warm) {
    json j = SpecWith(nullptr);
    j["warm_start"] = json::parse(warm);
    return Error(j);
  };
  Status out_of_range = error(R"({"trials": [
      {"params": {"x": 3, "n": 2, "opt": "adam"}, "value": 0.5},
      {"params": {"x": 11, "n": 2, "opt": "adam"}, "value": 0.5}]})");
  EXPECT_EQ(out_of_range.field(), "warm_start.trials[1]");
  EXPECT_NE(out_of_range.message().find("params.x"), std::string::npos) << out_of_range.message();
  Status missing = error(R"({"trials": [{"params": {"x": 3, "opt": "adam"}, "value": 0.5}]})");
  EXPECT_EQ(missing.field(), "warm_start.trials[0]");
  EXPECT_NE(missing.message().find("params.n"), std::string::npos) << missing.message();
  Status unknown = error(R"({"trials": [{"params": {"x": 3, "n": 1, "opt": "adam", "y": 1}, "value": 0}]})");
  EXPECT_EQ(unknown.field(), "warm_start.trials[0]");
  Status bad_choice = error(R"({"trials": [{"params": {"x": 3, "n": 1, "opt": "lamb"}, "value": 0}]})");
  EXPECT_EQ(bad_choice.field(), "warm_start.trials[0]");
  Status float_int = error(R"({"trials": [{"params": {"x": 3, "n": 1.5, "opt": "sgd"}, "value": 0}]})");
  EXPECT_EQ(float_int.field(), "warm_start.trials[0]");
  EXPECT_EQ(error(R"({"trials": [{"params": {"x": 3, "n": 1, "opt": "sgd"}}]})").field(),
            "warm_start.trials[0].value");
  EXPECT_EQ(error(R"({"trials": [{"params": {"x": 3, "n": 1, "opt": "sgd"}, "value": "1"}]})").field(),
            "warm_start.trials[0].value");
  EXPECT_EQ(error(R"({"trials": [{"value": 1}]})").field(), "warm_start.trials[0].params");
  EXPECT_EQ(error(R"({"trials": [{"params": [1], "value": 1}]})").field(), "warm_start.trials[0].params");
  EXPECT_EQ(error(R"({"trials": [{"params": {"x": [3]}, "value": 1}]})").field(),
            "warm_start.trials[0].params.x");
  EXPECT_EQ(
      error(R"({"trials": [{"params": {"x": 3, "n": 1, "opt": "sgd"}, "value": 1, "step": 3}]})").field(),
      "warm_start.trials[0].step");
  EXPECT_EQ(error(R"({"trials": [5]})").field(), "warm_start.trials[0]");
  EXPECT_EQ(error(R"({"trials": {}})").field(), "warm_start.trials");
  EXPECT_EQ(error(R"({"study": 3})").field(), "warm_start.study");
  EXPECT_EQ(error(R"([])").field(), "warm_start");
}

}  // namespace
}  // namespace autotune

namespace autotune {
namespace {

// Regression: a bare program name beside the spec (not on PATH) was refused.
TEST_F(SpecTrialTest, BareProgramNameBesideTheSpecIsFoundWhenNotOnPath) {
  std::string script = WriteFile(dir_, "my-trial-program.sh", "#!/bin/sh\nexit 0\n", 0755);
  EXPECT_EQ(Argv(json::array({"my-trial-program.sh"}))[0], script);
}

}  // namespace
}  // namespace autotune
