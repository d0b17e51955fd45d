// Hostile specs (issue 12): deep nesting, numbers beyond double and int64,
// oversized and endless spec files, study names that are not one path
// component, and the rule for repeated categorical choices.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/tuner/core/core_test_util.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

using nlohmann::json;
using testing::TempDir;
using testing::WriteFile;

json MinimalSpec() {
  return json::parse(R"({
    "name": "s",
    "space": {
      "x":   {"type": "float", "low": 0, "high": 1},
      "n":   {"type": "int", "low": 1, "high": 5},
      "opt": {"type": "categorical", "choices": [1, 2]}
    },
    "searcher": {"algorithm": "random"},
    "trial": {"command": ["sh", "t.sh"]},
    "budget": {"max_trials": 3}
  })");
}

class SpecLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteFile(dir_, "t.sh", "exit 0\n"); }

  StatusOr<ParsedSpec> ParseText(const std::string& text) { return ParseStudySpec(text, dir_.path()); }

  // The spec with the value at `pointer` replaced by raw JSON text (which a
  // json object could not hold, such as 1e999).
  static std::string WithRaw(const std::string& pointer, const std::string& raw) {
    json j = MinimalSpec();
    j[json::json_pointer(pointer)] = "@@RAW@@";
    std::string text = j.dump();
    text.replace(text.find("\"@@RAW@@\""), 9, raw);
    return text;
  }

  TempDir dir_;
};

TEST_F(SpecLimitsTest, ObjectsNested100000DeepAreRefusedNotACrash) {
  const int depth = 100000;
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text += std::string(depth, '}');
  auto r = ParseText(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "a");
  EXPECT_EQ(r.status().message(), "is nested more than 64 levels deep");

  // Deep arrays inside a real field are refused on that field.
  std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  auto w = ParseText(WithRaw("/warm_start", "{\"trials\": " + arrays + "}"));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().field(), "warm_start");
  auto root = ParseText(arrays);
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().field(), "spec");
}

TEST_F(SpecLimitsTest, NumbersBeyondADoubleAreRefusedNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/space/x/high", "space.x.high"},
      {"/space/x/low", "space.x.low"},
      {"/space/n/high", "space.n.high"},
      {"/space/x/init", "space.x.init"},
      {"/space/x/values", "space.x.values"},
      {"/space/opt/choices/1", "space.opt.choices[1]"},
      {"/seed", "seed"},
      {"/trial/timeout_s", "trial.timeout_s"},
      {"/trial/retries", "trial.retries"},
      {"/budget/max_trials", "budget.max_trials"},
      {"/budget/max_time_s", "budget.max_time_s"},
      {"/searcher/n_initial", "searcher.n_initial"},
      {"/warm_start", "warm_start.trials[0].value"},
  };
  for (const auto& [pointer, field] : cases) {
    for (const std::string& number :
         std::vector<std::string>{"1e999", "-1e999", "1" + std::string(400, '0')}) {
      std::string raw = number;
      if (pointer == "/space/x/values") raw = "[0.5, " + number + "]";
      if (pointer == "/warm_start")
        raw = R"({"trials": [{"params": {"x": 0.5, "n": 1, "opt": 1}, "value": )" + number + "}]}";
      auto r = ParseText(WithRaw(pointer, raw));
      ASSERT_FALSE(r.ok()) << pointer << " = " << number;
      EXPECT_EQ(r.status().field(), pointer == "/space/x/values" ? "space.x.values[1]" : field) << number;
      EXPECT_NE(r.status().message().find("must be a finite number"), std::string::npos)
          << r.status().message();
    }
  }
}

TEST_F(SpecLimitsTest, IntegersBeyondInt64AreRefusedWithTheirRange) {
  const std::string max = "9223372036854775807";
  const std::string any = "must be an integer in [-9223372036854775808, " + max + "]";
  struct Case {
    std::string pointer, raw, field, message;
  };
  const std::vector<Case> cases = {
      {"/seed", "18446744073709551615", "seed", "must be an integer in [0, " + max + "]"},
      {"/seed", "9223372036854775808", "seed", "must be an integer in [0, " + max + "]"},
      {"/seed", "-1", "seed", "must be an integer in [0, " + max + "]"},
      {"/space/n/high", "9223372036854775808", "space.n.high", any},
      {"/space/n/low", "-9223372036854775809", "space.n.low", any},
      {"/budget/max_trials", "100000000000000000000", "budget.max_trials",
       "must be an integer in [1, 10000000]"},
      {"/budget/max_parallel", "18446744073709551615", "budget.max_parallel",
       "must be an integer in [1, 4096]"},
      {"/trial/max_steps", "18446744073709551615", "trial.max_steps",
       "must be an integer in [1, " + max + "]"},
      {"/searcher/n_initial", "18446744073709551615", "searcher.n_initial", any},
      {"/space/opt/choices/0", "18446744073709551615", "space.opt.choices", any},
      {"/space/n/values", "[1, 18446744073709551615]", "space.n.values",
       "must hold integers that fit 64 bits"},
  };
  for (const Case& c : cases) {
    auto r = ParseText(WithRaw(c.pointer, c.raw));
    ASSERT_FALSE(r.ok()) << c.pointer << " = " << c.raw;
    EXPECT_EQ(r.status().field(), c.field) << c.raw;
    EXPECT_EQ(r.status().message(), c.message) << c.pointer << " = " << c.raw;
  }
  // The largest seed is accepted as it is.
  auto top = ParseText(WithRaw("/seed", max));
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  EXPECT_EQ(top->spec.seed, 9223372036854775807u);
}

TEST_F(SpecLimitsTest, StudyNamesMustBeOnePlainPathComponent) {
  for (const std::string& name :
       std::vector<std::string>{".", "..", ".hidden", "../x", "a/..", "a\\b", std::string("a\0b", 3)}) {
    json j = MinimalSpec();
    j["name"] = name;
    auto r = ParseText(j.dump());
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().field(), "name") << name;
  }
  for (const std::string& name : std::vector<std::string>{"a.", "a..b", "v1.2", "x-y_z"}) {
    json j = MinimalSpec();
    j["name"] = name;
    EXPECT_TRUE(ParseText(j.dump()).ok()) << name;
  }
}

// The rule: choices compare as JSON values, so numbers compare by value.
TEST_F(SpecLimitsTest, ChoicesThatAreTheSameJsonValueAreARepeat) {
  for (const char* choices : {"[1, 1.0]", "[0.0, -0.0]", "[2, 2e0]", "[\"a\", \"a\"]", "[true, true]"}) {
    auto r = ParseText(WithRaw("/space/opt/choices", choices));
    ASSERT_FALSE(r.ok()) << choices;
    EXPECT_EQ(r.status().field(), "space.opt.choices") << choices;
    EXPECT_NE(r.status().message().find("must not repeat a choice"), std::string::npos)
        << r.status().message();
  }
  for (const char* choices : {"[1, true, \"1\"]", "[1, 1.5]", "[0, false, \"0\", 0.5]"}) {
    auto r = ParseText(WithRaw("/space/opt/choices", choices));
    EXPECT_TRUE(r.ok()) << choices << ": " << r.status().ToString();
  }
}

TEST_F(SpecLimitsTest, WarmStartChoiceMatchesByJsonValue) {
  auto r = ParseText(
      WithRaw("/warm_start", R"({"trials": [{"params": {"x": 0.5, "n": 1, "opt": 2.0}, "value": 1}]})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->spec.warm_start.size(), 1u);
  EXPECT_EQ(r->spec.warm_start[0].params.at("opt"), ParamValue(std::int64_t{2}));  // the choice itself
}

class SpecFileTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(SpecFileTest, ReadsARegularFile) {
  std::string path = WriteFile(dir_, "s.json", "{\"name\": \"s\"}");
  auto text = ReadSpecFile(path);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "{\"name\": \"s\"}");
}

TEST_F(SpecFileTest, RefusesFilesOverTheLimit) {
  std::string at_limit = WriteFile(dir_, "ok.json", std::string(kMaxSpecFileBytes, ' '));
  EXPECT_TRUE(ReadSpecFile(at_limit).ok());
  std::string over = WriteFile(dir_, "big.json", std::string(kMaxSpecFileBytes + 1, ' '));
  auto r = ReadSpecFile(over);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("larger than the limit of 4194304 bytes"), std::string::npos)
      << r.status().message();
}

TEST_F(SpecFileTest, RefusesDevicesFifosAndFoldersWithoutReadingThem) {
  std::string fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto t0 = std::chrono::steady_clock::now();
  for (const std::string& path : {std::string("/dev/zero"), std::string("/dev/urandom"), fifo, dir_.path()}) {
    auto r = ReadSpecFile(path);  // /dev/zero never ends and the FIFO has no writer: neither may block
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_NE(r.status().message().find("is not a regular file"), std::string::npos) << r.status().message();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  auto missing = ReadSpecFile(dir_ / "missing.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot read spec file"), std::string::npos);
}

}  // namespace
}  // namespace autotune
