// ParseStudySpec: a full spec's typed values, rejection of malformed specs
// with the offending field's path, and the canonical JSON.
#include "tuner/core/spec_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/tuner/core/core_test_util.h"

namespace autotune {
namespace {

using nlohmann::json;
using testing::TempDir;
using testing::WriteFile;

// ARCHITECTURE.md's example spec without the scheduler; the trial program is
// `sh objective.py` with objective.py written into the spec's folder.
json ExampleSpec() {
  return json::parse(R"({
    "name": "branin-gp",
    "objective": {"metric": "value", "mode": "min"},
    "space": {
      "x":     {"type": "float", "low": -5, "high": 10},
      "lr":    {"type": "float", "low": 1e-5, "high": 1, "log": true},
      "depth": {"type": "int", "low": 1, "high": 12},
      "opt":   {"type": "categorical", "choices": ["sgd", "adam"]}
    },
    "searcher":  {"algorithm": "gp"},
    "trial": {"command": ["sh", "objective.py"], "max_steps": 1,
              "timeout_s": 60, "retries": 1, "gpus": 0},
    "budget": {"max_trials": 100, "max_parallel": 1},
    "seed": 0
  })");
}

class SpecTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteFile(dir_, "objective.py", "print('AUTOTUNE {\"value\": 1}')\n"); }

  StatusOr<ParsedSpec> Parse(const json& j) { return ParseStudySpec(j.dump(), dir_.path()); }

  // The error's field path for a spec; fails the test when it parses.
  std::string ErrorField(const json& j) {
    auto r = Parse(j);
    if (r.ok()) {
      ADD_FAILURE() << "accepted: " << j.dump();
      return "<accepted>";
    }
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    return r.status().field();
  }

  // ExampleSpec() with the value at a JSON pointer replaced (or added).
  static json With(const std::string& pointer, const json& value) {
    json j = ExampleSpec();
    j[json::json_pointer(pointer)] = value;
    return j;
  }
  static json Without(const std::string& pointer) {
    json j = ExampleSpec();
    json::json_pointer p(pointer);
    j[p.parent_pointer()].erase(p.back());
    return j;
  }

  TempDir dir_;
};

TEST_F(SpecTest, ExampleSpecParsesIntoTypedValues) {
  auto r = Parse(ExampleSpec());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const StudySpec& s = r->spec;
  EXPECT_EQ(s.name, "branin-gp");
  EXPECT_EQ(s.objective.metric, "value");
  EXPECT_EQ(s.objective.mode, Mode::kMin);

  ASSERT_EQ(s.space.dims(), 4u);
  const auto& p = s.space.params();
  EXPECT_EQ(p[0].name, "depth");
  const auto& depth = std::get<IntDist>(p[0].dist);
  EXPECT_EQ(depth.low, 1);
  EXPECT_EQ(depth.high, 12);
  EXPECT_FALSE(depth.log);
  EXPECT_EQ(p[1].name, "lr");
  const auto& lr = std::get<FloatDist>(p[1].dist);
  EXPECT_EQ(lr.low, 1e-5);
  EXPECT_EQ(lr.high, 1.0);
  EXPECT_TRUE(lr.log);
  EXPECT_EQ(p[2].name, "opt");
  EXPECT_EQ(std::get<CategoricalDist>(p[2].dist).choices,
            (std::vector<ParamValue>{std::string("sgd"), std::string("adam")}));
  EXPECT_EQ(p[3].name, "x");
  const auto& x = std::get<FloatDist>(p[3].dist);
  EXPECT_EQ(x.low, -5.0);
  EXPECT_EQ(x.high, 10.0);
  EXPECT_FALSE(x.log);
  for (const auto& param : p) {
    EXPECT_FALSE(param.init.has_value());
    EXPECT_EQ(param.grid_points, 0);
  }

  EXPECT_EQ(s.searcher.algorithm, "gp");
  EXPECT_TRUE(s.searcher.options.empty());
  EXPECT_FALSE(s.scheduler.has_value());

  ASSERT_TRUE(s.trial.has_value());
  ASSERT_EQ(s.trial->command.size(), 2u);
  std::filesystem::path sh(s.trial->command[0]);
  EXPECT_TRUE(sh.is_absolute()) << sh;
  EXPECT_EQ(sh.filename(), "sh");
  EXPECT_EQ(s.trial->command[1], dir_ / "objective.py");
  EXPECT_TRUE(s.trial->env.empty());
  EXPECT_EQ(s.trial->max_steps, 1);
  EXPECT_EQ(s.trial->timeout_s, 60.0);
  EXPECT_EQ(s.trial->retries, 1);
  EXPECT_EQ(s.trial->gpus, 0);

  EXPECT_EQ(s.budget.max_trials, 100);
  EXPECT_EQ(s.budget.max_parallel, 1);
  EXPECT_EQ(s.budget.max_time_s, 0.0);
  EXPECT_EQ(s.seed, 0u);
  EXPECT_TRUE(s.warm_start.empty());
  EXPECT_TRUE(s.warm_start_study.empty());
}

TEST_F(SpecTest, MinimalSpecGetsDefaults) {
  auto r = Parse(json::parse(R"({"name": "m", "space": {"x": {"type": "float", "low": 0, "high": 1}}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const StudySpec& s = r->spec;
  EXPECT_EQ(s.objective.metric, "value");
  EXPECT_EQ(s.objective.mode, Mode::kMin);
  EXPECT_EQ(s.searcher.algorithm, "auto");
  EXPECT_FALSE(s.scheduler.has_value());
  EXPECT_FALSE(s.trial.has_value());  // driven by ask/tell
  EXPECT_EQ(s.budget.max_trials, 10);
  EXPECT_EQ(s.budget.max_parallel, 1);
  EXPECT_EQ(s.budget.max_time_s, 0.0);
  EXPECT_EQ(s.seed, 0u);
}

TEST_F(SpecTest, OptionalFieldsParse) {
  json j = ExampleSpec();
  j["objective"] = {{"metric", "val_acc"}, {"mode", "max"}};
  j["space"]["x"]["init"] = 2;
  j["space"]["x"]["grid_points"] = 7;
  j["space"]["depth"]["values"] = {1, 4, 12};
  j["space"]["lr"]["values"] = {1e-5, 1e-3};
  j["searcher"] = {{"algorithm", "grid"}, {"grid_points", 3}, {"shuffle", false}, {"w", 0.5}, {"k", "a"}};
  j["trial"]["env"] = {{"OMP_NUM_THREADS", "2"}};
  j["budget"]["max_time_s"] = 3600.5;
  j["seed"] = 12345;
  auto r = Parse(j);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const StudySpec& s = r->spec;
  EXPECT_EQ(s.objective.metric, "val_acc");
  EXPECT_EQ(s.objective.mode, Mode::kMax);
  const ParamSpec& x = s.space.params()[3];
  ASSERT_TRUE(x.init.has_value());
  EXPECT_EQ(*x.init, ParamValue(2.0));  // an integral JSON number for a float param is a float
  EXPECT_EQ(x.grid_points, 7);
  EXPECT_EQ(std::get<IntDist>(s.space.params()[0].dist).values, (std::vector<std::int64_t>{1, 4, 12}));
  EXPECT_EQ(std::get<FloatDist>(s.space.params()[1].dist).values, (std::vector<double>{1e-5, 1e-3}));
  EXPECT_EQ(s.searcher.algorithm, "grid");
  Options expect{{"grid_points", std::int64_t{3}}, {"shuffle", false}, {"w", 0.5}, {"k", std::string("a")}};
  EXPECT_EQ(s.searcher.options, expect);
  EXPECT_EQ(s.trial->env, (std::map<std::string, std::string>{{"OMP_NUM_THREADS", "2"}}));
  EXPECT_EQ(s.budget.max_time_s, 3600.5);
  EXPECT_EQ(s.seed, 12345u);
}

TEST_F(SpecTest, BadJsonIsRejected) {
  for (const char* text : {"", "{", "{\"name\": }", "not json", "{\"name\": \"a\",}"}) {
    auto r = ParseStudySpec(text, dir_.path());
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().field(), "spec") << text;
    EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos);
  }
  auto arr = ParseStudySpec("[1, 2]", dir_.path());
  ASSERT_FALSE(arr.ok());
  EXPECT_EQ(arr.status().field(), "spec");
}

TEST_F(SpecTest, UnknownFieldsAreRejectedWithTheirPath) {
  EXPECT_EQ(ErrorField(With("/nmae", "x")), "nmae");
  EXPECT_EQ(ErrorField(With("/budget/max_trail", 5)), "budget.max_trail");
  EXPECT_EQ(ErrorField(With("/objective/direction", "min")), "objective.direction");
  EXPECT_EQ(ErrorField(With("/space/x/lo", 0)), "space.x.lo");
  EXPECT_EQ(ErrorField(With("/space/opt/low", 0)), "space.opt.low");
  EXPECT_EQ(ErrorField(With("/trial/cmd", json::array({"sh"}))), "trial.cmd");
  EXPECT_EQ(ErrorField(With("/warm_start", {{"trails", json::array()}})), "warm_start.trails");
}

TEST_F(SpecTest, WrongTypesAreRejectedWithTheirPath) {
  EXPECT_EQ(ErrorField(With("/name", 3)), "name");
  EXPECT_EQ(ErrorField(With("/seed", "0")), "seed");
  EXPECT_EQ(ErrorField(With("/seed", 1.5)), "seed");
  EXPECT_EQ(ErrorField(With("/objective", "min")), "objective");
  EXPECT_EQ(ErrorField(With("/objective/mode", "up")), "objective.mode");
  EXPECT_EQ(ErrorField(With("/objective/metric", 1)), "objective.metric");
  EXPECT_EQ(ErrorField(With("/space", json::array())), "space");
  EXPECT_EQ(ErrorField(With("/space/x", 1)), "space.x");
  EXPECT_EQ(ErrorField(With("/space/x/type", 1)), "space.x.type");
  EXPECT_EQ(ErrorField(With("/space/x/type", "double")), "space.x.type");
  EXPECT_EQ(ErrorField(With("/space/x/low", "a")), "space.x.low");
  EXPECT_EQ(ErrorField(With("/space/x/log", "yes")), "space.x.log");
  EXPECT_EQ(ErrorField(With("/space/depth/low", 1.5)), "space.depth.low");
  EXPECT_EQ(ErrorField(With("/space/x/grid_points", 2.5)), "space.x.grid_points");
  EXPECT_EQ(ErrorField(With("/space/x/values", "a")), "space.x.values");
  EXPECT_EQ(ErrorField(With("/space/x/values", json::array({"a"}))), "space.x.values");
  EXPECT_EQ(ErrorField(With("/space/depth/values", json::array({1.5}))), "space.depth.values");
  EXPECT_EQ(ErrorField(With("/space/opt/choices", "sgd")), "space.opt.choices");
  EXPECT_EQ(ErrorField(With("/space/opt/choices", json::array({json::array({1})}))), "space.opt.choices");
  EXPECT_EQ(ErrorField(With("/space/opt/choices", json::array({nullptr}))), "space.opt.choices");
  EXPECT_EQ(ErrorField(With("/space/x/init", json::array({1}))), "space.x.init");
  EXPECT_EQ(ErrorField(With("/searcher", "gp")), "searcher");
  EXPECT_EQ(ErrorField(With("/searcher/algorithm", 1)), "searcher.algorithm");
  EXPECT_EQ(ErrorField(With("/searcher/n_initial", json::object({{"a", 1}}))), "searcher.n_initial");
  EXPECT_EQ(ErrorField(With("/budget", 10)), "budget");
  EXPECT_EQ(ErrorField(With("/budget/max_trials", "10")), "budget.max_trials");
  EXPECT_EQ(ErrorField(With("/budget/max_time_s", "1h")), "budget.max_time_s");
  EXPECT_EQ(ErrorField(With("/trial", json::array())), "trial");
  EXPECT_EQ(ErrorField(With("/trial/timeout_s", "1")), "trial.timeout_s");
  EXPECT_EQ(ErrorField(With("/trial/gpus", true)), "trial.gpus");
  EXPECT_EQ(ErrorField(With("/trial/command", "sh objective.py")), "trial.command");
  EXPECT_EQ(ErrorField(With("/trial/command", json::array())), "trial.command");
  EXPECT_EQ(ErrorField(With("/trial/command", json::array({1}))), "trial.command[0]");
  EXPECT_EQ(ErrorField(With("/trial/command", json::array({"sh", 2}))), "trial.command[1]");
  EXPECT_EQ(ErrorField(With("/trial/env", json::array())), "trial.env");
  EXPECT_EQ(ErrorField(With("/trial/env", {{"A", 1}})), "trial.env.A");
}

// Regression: the default searcher ("random") used to stand in for a missing
// searcher.algorithm, so {"n_initial": 5} silently meant random search.
TEST_F(SpecTest, SearcherSectionWithoutAlgorithmIsRejected) {
  EXPECT_EQ(ErrorField(With("/searcher", json::object())), "searcher.algorithm");
  EXPECT_EQ(ErrorField(With("/searcher", {{"n_initial", 5}})), "searcher.algorithm");
  EXPECT_EQ(ErrorField(With("/scheduler", json::object())), "scheduler.algorithm");
}

TEST_F(SpecTest, IntegralFloatsAreAcceptedForIntegerFields) {
  auto r = Parse(With("/budget/max_trials", 100.0));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spec.budget.max_trials, 100);
}

TEST_F(SpecTest, MissingRequiredFieldsAreRejected) {
  EXPECT_EQ(ErrorField(Without("/name")), "name");
  EXPECT_EQ(ErrorField(Without("/space")), "space");
  EXPECT_EQ(ErrorField(Without("/objective/metric")), "objective.metric");
  EXPECT_EQ(ErrorField(Without("/space/x/type")), "space.x.type");
  EXPECT_EQ(ErrorField(Without("/space/x/low")), "space.x.low");
  EXPECT_EQ(ErrorField(Without("/space/x/high")), "space.x.high");
  EXPECT_EQ(ErrorField(Without("/space/opt/choices")), "space.opt.choices");
  EXPECT_EQ(ErrorField(Without("/trial/command")), "trial.command");
  EXPECT_EQ(ErrorField(With("/space", json::object())), "space");
}

TEST_F(SpecTest, ImpossibleRangesAreRejected) {
  EXPECT_EQ(ErrorField(With("/space/x/low", 10)), "space.x.high");
  EXPECT_EQ(ErrorField(With("/space/x/low", 11)), "space.x.high");
  EXPECT_EQ(ErrorField(With("/space/depth/high", 1)), "space.depth.high");
  EXPECT_EQ(ErrorField(With("/space/lr/low", 0)), "space.lr.low");
  EXPECT_EQ(ErrorField(With("/space/lr/low", -1e-3)), "space.lr.low");
  json log_int = With("/space/depth/log", true);
  log_int["space"]["depth"]["low"] = 0;
  EXPECT_EQ(ErrorField(log_int), "space.depth.low");
  EXPECT_EQ(ErrorField(With("/space/opt/choices", json::array())), "space.opt.choices");
  EXPECT_EQ(ErrorField(With("/space/opt/choices", json::array({"sgd", "sgd"}))), "space.opt.choices");
  EXPECT_EQ(ErrorField(With("/space/x/values", json::array({0, 11}))), "space.x.values");
  EXPECT_EQ(ErrorField(With("/space/x/values", json::array())), "space.x.values");
  EXPECT_EQ(ErrorField(With("/space/x/init", 11)), "space.x.init");
  EXPECT_EQ(ErrorField(With("/space/opt/init", "rmsprop")), "space.opt.init");
  EXPECT_EQ(ErrorField(With("/space/depth/init", 2.5)), "space.depth.init");
  EXPECT_EQ(ErrorField(With("/space/x/grid_points", -1)), "space.x.grid_points");
}

TEST_F(SpecTest, BudgetsAndTrialLimitsMustBeInRange) {
  EXPECT_EQ(ErrorField(With("/budget/max_trials", -1)), "budget.max_trials");
  EXPECT_EQ(ErrorField(With("/budget/max_trials", 0)), "budget.max_trials");
  EXPECT_EQ(ErrorField(With("/budget/max_parallel", 0)), "budget.max_parallel");
  EXPECT_EQ(ErrorField(With("/budget/max_parallel", -2)), "budget.max_parallel");
  EXPECT_EQ(ErrorField(With("/budget/max_time_s", -1)), "budget.max_time_s");
  EXPECT_EQ(ErrorField(With("/trial/max_steps", 0)), "trial.max_steps");
  EXPECT_EQ(ErrorField(With("/trial/timeout_s", -0.5)), "trial.timeout_s");
  EXPECT_EQ(ErrorField(With("/trial/retries", -1)), "trial.retries");
  EXPECT_EQ(ErrorField(With("/trial/gpus", -1)), "trial.gpus");
  EXPECT_EQ(ErrorField(With("/seed", -1)), "seed");
  Status s = Parse(With("/budget/max_trials", -1)).status();
  EXPECT_EQ(s.ToString(), "budget.max_trials: " + s.message());
}

TEST_F(SpecTest, AskLeaseBelongsToAskTellStudiesAndDefaultsToTenMinutes) {
  json ask_tell = Without("/trial");
  auto r = Parse(ask_tell);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spec.budget.ask_lease_s, 600.0);
  EXPECT_EQ(json::parse(r->canonical_json)["budget"]["ask_lease_s"], 600.0);
  ask_tell["budget"]["ask_lease_s"] = 2.5;
  r = Parse(ask_tell);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spec.budget.ask_lease_s, 2.5);
  // The canonical form parses back to itself.
  auto again = ParseStudySpec(r->canonical_json, dir_.path());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->canonical_json, r->canonical_json);
  for (const json& bad : {json(0), json(-1), json("10m"), json(2e9)}) {
    ask_tell["budget"]["ask_lease_s"] = bad;
    EXPECT_EQ(ErrorField(ask_tell), "budget.ask_lease_s") << bad.dump();
  }
  // Studies that run their own programs have no asks to lease: the field is
  // refused there, and their canonical form does not carry it.
  EXPECT_EQ(ErrorField(With("/budget/ask_lease_s", 60)), "budget.ask_lease_s");
  EXPECT_FALSE(json::parse(Parse(ExampleSpec())->canonical_json)["budget"].contains("ask_lease_s"));
}

TEST_F(SpecTest, ObjectiveMetricMustNotBeStep) {
  EXPECT_EQ(ErrorField(With("/objective/metric", "step")), "objective.metric");
  EXPECT_EQ(ErrorField(With("/objective/metric", "")), "objective.metric");
}

TEST_F(SpecTest, InvalidNamesAreRejected) {
  for (const std::string& name :
       std::vector<std::string>{"", "has space", "a/b", "semi;colon", "\u00fcn\u00ef", std::string(129, 'a')})
    EXPECT_EQ(ErrorField(With("/name", name)), "name") << name;
  for (const std::string& name : std::vector<std::string>{"a", "Branin-GP_2.v1", std::string(128, 'z')})
    EXPECT_TRUE(Parse(With("/name", name)).ok()) << name;
}

// The scheduler section's shape is checked here; its algorithm and options
// by MakeScheduler (tests/tuner/schedulers).
TEST_F(SpecTest, SchedulerSectionIsKeptForMakeSchedulerAndNoneMeansAbsent) {
  EXPECT_EQ(ErrorField(With("/scheduler", {{"reduction_factor", 3}})), "scheduler.algorithm");
  EXPECT_EQ(ErrorField(With("/scheduler", {{"algorithm", "asha"}, {"min_steps", {{"a", 1}}}})), "scheduler.min_steps");
  EXPECT_EQ(ErrorField(With("/scheduler", {{"algorithm", "pbt"}, {"mutations", {{"lr", json::array()}}}})),
            "scheduler.mutations.lr");
  EXPECT_EQ(ErrorField(With("/scheduler", {{"algorithm", "pbt"}, {"mutations", {{"lr", {{"type", "float"}}}}}})),
            "scheduler.mutations.lr.low");
  EXPECT_EQ(ErrorField(With("/scheduler", {{"algorithm", "replay"}, {"schedule", {{{"step", 3}, {"params", json::object()}}}}})),
            "scheduler.schedule[0].step");
  // Arrays of scalars, mutations and schedules are kept for the algorithm to check, and written back.
  auto pbt = Parse(With("/scheduler", {{"algorithm", "pbt"},
                                       {"perturbation_factors", {0.8, 1.2}},
                                       {"mutations", {{"lr", {1e-3, 1e-2}}, {"x", {{"type", "float"}, {"low", 0}, {"high", 1}}}}}}));
  ASSERT_TRUE(pbt.ok()) << pbt.status().ToString();
  EXPECT_EQ(pbt->spec.scheduler->lists.at("perturbation_factors").size(), 2u);
  ASSERT_EQ(pbt->spec.scheduler->mutations.size(), 2u);
  auto again = ParseStudySpec(pbt->canonical_json, dir_.path());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->canonical_json, pbt->canonical_json);
  auto asha = Parse(With("/scheduler", {{"algorithm", "asha"}, {"min_steps", 2}}));
  ASSERT_TRUE(asha.ok()) << asha.status().ToString();
  ASSERT_TRUE(asha->spec.scheduler.has_value());
  EXPECT_EQ(asha->spec.scheduler->algorithm, "asha");
  EXPECT_EQ(std::get<std::int64_t>(asha->spec.scheduler->options.at("min_steps")), 2);
  auto none = Parse(With("/scheduler", {{"algorithm", "none"}}));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->spec.scheduler.has_value());
}

TEST_F(SpecTest, CanonicalJsonIgnoresKeyOrderAndWhitespace) {
  auto a = Parse(ExampleSpec());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const std::string reordered = R"({ "seed" : 0,
      "budget": {"max_parallel": 1, "max_trials": 100},
      "trial": {"gpus": 0, "retries": 1, "timeout_s": 60, "max_steps": 1,
                "command": ["sh", "objective.py"]},
      "searcher": {"algorithm": "gp"},
      "space": {
        "opt":   {"choices": ["sgd", "adam"], "type": "categorical"},
        "depth": {"high": 12, "low": 1, "type": "int"},
        "lr":    {"log": true, "high": 1, "low": 1e-5, "type": "float"},
        "x":     {"high": 10, "type": "float", "low": -5}
      },
      "objective": {"mode": "min", "metric": "value"},
      "name": "branin-gp"
  })";
  auto b = ParseStudySpec(reordered, dir_.path());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->canonical_json, b->canonical_json);
  // Parsing is deterministic, and the canonical form is itself a spec that
  // parses back to the same canonical form.
  EXPECT_EQ(Parse(ExampleSpec())->canonical_json, a->canonical_json);
  auto c = ParseStudySpec(a->canonical_json, dir_.path());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->canonical_json, a->canonical_json);
}

TEST_F(SpecTest, CanonicalJsonDiffersWhenAnyValueDiffers) {
  const std::vector<json> variants = {
      With("/name", "branin-gp2"),
      With("/objective/mode", "max"),
      With("/objective/metric", "loss"),
      With("/space/x/high", 11),
      With("/space/x/low", -4.5),
      With("/space/lr/log", false),
      With("/space/depth/high", 13),
      With("/space/opt/choices", json::array({"adam", "sgd"})),
      With("/space/opt/choices", json::array({"sgd", "adam", "lamb"})),
      With("/searcher/algorithm", "tpe"),
      With("/searcher/n_initial", 5),
      With("/trial/max_steps", 2),
      With("/trial/timeout_s", 61),
      With("/trial/retries", 0),
      With("/trial/env", {{"A", "1"}}),
      With("/trial/command/1", "--other"),
      With("/budget/max_trials", 99),
      With("/budget/max_parallel", 2),
      With("/seed", 1),
      Without("/trial"),
  };
  auto base = Parse(ExampleSpec());
  ASSERT_TRUE(base.ok());
  std::set<std::string> seen{base->canonical_json};
  for (const json& v : variants) {
    auto r = Parse(v);
    ASSERT_TRUE(r.ok()) << v.dump() << ": " << r.status().ToString();
    EXPECT_TRUE(seen.insert(r->canonical_json).second) << "same canonical JSON for " << v.dump();
  }
}

TEST_F(SpecTest, CanonicalJsonHasSortedKeysAndResolvedCommandPaths) {
  auto r = Parse(ExampleSpec());
  ASSERT_TRUE(r.ok());
  json c = json::parse(r->canonical_json);
  std::vector<std::string> keys;
  for (auto it = c.begin(); it != c.end(); ++it) keys.push_back(it.key());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(r->canonical_json.find('\n'), std::string::npos);
  // A program found on PATH stays as written; an argument naming a file of
  // the spec's folder becomes that file's absolute path.
  EXPECT_EQ(c["trial"]["command"], json::array({"sh", dir_ / "objective.py"}));
}

}  // namespace
}  // namespace autotune
