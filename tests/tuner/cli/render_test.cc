// The CLI's renderings: progress line, ranking, table, JSON and CSV output.
#include "tuner/cli/render.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace autotune {
namespace {

using nlohmann::json;

TrialRecord Trial(std::int64_t id, int number, TrialState state, std::optional<double> value,
                  Params params = {}) {
  TrialRecord t;
  t.id = id;
  t.study_id = 1;
  t.number = number;
  t.state = state;
  t.value = value;
  t.params = std::move(params);
  return t;
}

std::vector<std::int64_t> Ids(const std::vector<TrialRecord>& trials) {
  std::vector<std::int64_t> ids;
  for (const auto& t : trials) ids.push_back(t.id);
  return ids;
}

TEST(FormatDurationTest, MinutesSecondsAndHours) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(42), "0:42");
  EXPECT_EQ(FormatDuration(59.6), "1:00");
  EXPECT_EQ(FormatDuration(310), "5:10");
  EXPECT_EQ(FormatDuration(3599), "59:59");
  EXPECT_EQ(FormatDuration(3600), "1:00:00");
  EXPECT_EQ(FormatDuration(3725), "1:02:05");
  EXPECT_EQ(FormatDuration(100 * 3600 + 61), "100:01:01");
}

TEST(FormatDurationTest, UnknownDurationsAreAQuestionMark) {
  EXPECT_EQ(FormatDuration(-1), "?");
  EXPECT_EQ(FormatDuration(std::numeric_limits<double>::infinity()), "?");
  EXPECT_EQ(FormatDuration(std::nan("")), "?");
}

TEST(FormatValueTest, SixSignificantDigitsOrADash) {
  EXPECT_EQ(FormatValue(std::nullopt), "-");
  EXPECT_EQ(FormatValue(0.398), "0.398");
  EXPECT_EQ(FormatValue(0.39788735772973816), "0.397887");
  EXPECT_EQ(FormatValue(-12.0), "-12");
  EXPECT_EQ(FormatValue(1.5e-9), "1.5e-09");
}

TEST(ProgressLineTest, ShowsCountsBestElapsedAndEta) {
  Progress p;
  p.completed = 12;
  p.total = 100;
  p.running = 2;
  p.failed = 1;
  p.best_value = 0.398;
  p.best_trial_id = 7;
  p.elapsed_s = 42;
  p.eta_s = 310;
  EXPECT_EQ(ProgressLine(p),
            "12/100 done, 2 running, 1 failed, best 0.398 (trial id 7), 0:42 elapsed, ETA 5:10");
}

TEST(ProgressLineTest, LeavesOutWhatIsNotKnownYet) {
  Progress p;
  p.total = 10;
  p.eta_s = -1;
  EXPECT_EQ(ProgressLine(p), "0/10 done, 0 running, 0:00 elapsed");
  p.completed = 3;
  p.running = 1;
  p.elapsed_s = 3725;
  EXPECT_EQ(ProgressLine(p), "3/10 done, 1 running, 1:02:05 elapsed");
}

// Regression: a best value without a trial id dereferenced an empty optional.
TEST(ProgressLineTest, BestValueWithoutTrialIdIsLeftOut) {
  Progress p;
  p.total = 4;
  p.best_value = 1.5;
  EXPECT_EQ(ProgressLine(p), "0/4 done, 0 running, 0:00 elapsed");
}

std::vector<TrialRecord> MixedTrials() {
  return {
      Trial(10, 0, TrialState::kFailed, std::nullopt),
      Trial(11, 1, TrialState::kCompleted, 3.0),
      Trial(12, 2, TrialState::kRunning, 1.0),
      Trial(13, 3, TrialState::kCompleted, -2.0),
      Trial(14, 4, TrialState::kPruned, 0.5),
      Trial(15, 5, TrialState::kCompleted, 3.0),
      Trial(16, 6, TrialState::kFailed, std::nullopt),
      Trial(17, 7, TrialState::kPending, std::nullopt),
      Trial(18, 8, TrialState::kCompleted, std::nullopt),
  };
}

TEST(RankTrialsTest, MinimisingPutsCompletedBestFirstAndFailedLast) {
  Objective min{"value", Mode::kMin};
  // Completed by value (ties by number), then the rest by number, failed last.
  EXPECT_EQ(Ids(RankTrials(MixedTrials(), min, 0)),
            (std::vector<std::int64_t>{13, 11, 15, 12, 14, 17, 18, 10, 16}));
}

TEST(RankTrialsTest, MaximisingPutsTheLargestValueFirst) {
  Objective max{"acc", Mode::kMax};
  EXPECT_EQ(Ids(RankTrials(MixedTrials(), max, 0)),
            (std::vector<std::int64_t>{11, 15, 13, 12, 14, 17, 18, 10, 16}));
}

TEST(RankTrialsTest, LimitKeepsTheTopRows) {
  Objective min{"value", Mode::kMin};
  EXPECT_EQ(Ids(RankTrials(MixedTrials(), min, 2)), (std::vector<std::int64_t>{13, 11}));
  EXPECT_EQ(RankTrials(MixedTrials(), min, 100).size(), 9u);
  EXPECT_TRUE(RankTrials({}, min, 3).empty());
}

TEST(TrialTableTest, HasAHeaderAndOneRowPerTrialInOrder) {
  std::vector<TrialRecord> ranked = {
      Trial(13, 3, TrialState::kCompleted, -2.0, {{"lr", 0.001}, {"opt", std::string("adam")}}),
      Trial(10, 0, TrialState::kFailed, std::nullopt, {{"lr", 0.1}, {"opt", std::string("sgd")}})};
  ranked[0].step = 20;
  std::string table = TrialTable(ranked, "val_loss");
  std::vector<std::string> lines;
  for (std::size_t start = 0, end; (end = table.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(table.substr(start, end - start));
  ASSERT_EQ(lines.size(), 3u) << table;
  EXPECT_EQ(lines[0].rfind("rank  trial   state      val_loss      step    params", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "1     13      completed  -2            20      lr=0.001 opt=adam");
  EXPECT_EQ(lines[2], "2     10      failed     -             0       lr=0.1 opt=sgd");
}

TEST(TrialsJsonTest, HasExactlyTheDocumentedFieldsAndTypes) {
  TrialRecord a =
      Trial(21, 0, TrialState::kCompleted, 0.25,
            {{"lr", 0.001}, {"depth", std::int64_t{4}}, {"opt", std::string("adam")}, {"bn", true}});
  TrialRecord b = Trial(22, 1, TrialState::kFailed, std::nullopt, {{"lr", 0.1}});
  b.parent_id = 21;
  b.generation = 3;
  json arr = json::parse(TrialsJson({a, b}));
  ASSERT_TRUE(arr.is_array());
  ASSERT_EQ(arr.size(), 2u);
  const std::set<std::string> fields = {"trial_id", "state", "value", "params", "parent_id", "generation"};
  for (const json& t : arr) {
    std::set<std::string> keys;
    for (auto it = t.begin(); it != t.end(); ++it) keys.insert(it.key());
    EXPECT_EQ(keys, fields);
  }
  EXPECT_TRUE(arr[0]["trial_id"].is_number_integer());
  EXPECT_EQ(arr[0]["trial_id"], 21);
  EXPECT_EQ(arr[0]["state"], "completed");
  EXPECT_TRUE(arr[0]["value"].is_number_float());
  EXPECT_EQ(arr[0]["value"], 0.25);
  EXPECT_EQ(arr[0]["params"], json::parse(R"({"lr": 0.001, "depth": 4, "opt": "adam", "bn": true})"));
  EXPECT_TRUE(arr[0]["params"]["depth"].is_number_integer());
  EXPECT_TRUE(arr[0]["parent_id"].is_null());
  EXPECT_TRUE(arr[0]["generation"].is_number_integer());
  EXPECT_EQ(arr[0]["generation"], 0);
  EXPECT_EQ(arr[1]["state"], "failed");
  EXPECT_TRUE(arr[1]["value"].is_null());
  EXPECT_EQ(arr[1]["parent_id"], 21);
  EXPECT_EQ(arr[1]["generation"], 3);
  EXPECT_EQ(json::parse(TrialsJson({})), json::array());
}

TEST(BestJsonTest, HasExactlyTheDocumentedFieldsAndTypes) {
  TrialRecord t = Trial(5, 2, TrialState::kCompleted, 0.397887, {{"x", -3.14}, {"opt", std::string("sgd")}});
  t.step = 100;
  json j = json::parse(BestJson(t));
  ASSERT_TRUE(j.is_object());
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  EXPECT_EQ(keys, (std::set<std::string>{"trial_id", "value", "params", "step"}));
  EXPECT_EQ(j["trial_id"], 5);
  EXPECT_TRUE(j["trial_id"].is_number_integer());
  EXPECT_EQ(j["value"], 0.397887);
  EXPECT_EQ(j["params"], json::parse(R"({"x": -3.14, "opt": "sgd"})"));
  EXPECT_EQ(j["step"], 100);
  EXPECT_TRUE(j["step"].is_number_integer());
}

TEST(TrialsCsvTest, HeaderColumnsAndEmptyCells) {
  std::vector<TrialRecord> trials = {
      Trial(1, 0, TrialState::kCompleted, 0.1, {{"lr", 0.001}, {"opt", std::string("adam")}}),
      Trial(2, 1, TrialState::kRunning, std::nullopt, {{"lr", 0.5}, {"depth", std::int64_t{3}}})};
  trials[0].step = 10;
  EXPECT_EQ(TrialsCsv(trials),
            "trial_id,number,state,value,step,depth,lr,opt\n"
            "1,0,completed,0.1,10,,0.001,adam\n"
            "2,1,running,,0,3,0.5,\n");
  EXPECT_EQ(TrialsCsv({}), "trial_id,number,state,value,step\n");
}

TEST(TrialsCsvTest, ValuesKeepFullPrecision) {
  std::string csv = TrialsCsv({Trial(1, 0, TrialState::kCompleted, 0.39788735772973816)});
  EXPECT_NE(csv.find(",0.39788735772973816,"), std::string::npos) << csv;
}

TEST(TrialsCsvTest, FieldsWithSeparatorsQuotesOrLineBreaksAreQuoted) {
  std::vector<TrialRecord> trials = {Trial(1, 0, TrialState::kCompleted, 1.0,
                                           {{"a", std::string("x,y")},
                                            {"b", std::string("say \"hi\"")},
                                            {"c", std::string("two\nlines")},
                                            {"d", std::string("cr\rhere")},
                                            {"e", std::string("plain")},
                                            {"we,ird", std::string("v")}})};
  EXPECT_EQ(TrialsCsv(trials),
            "trial_id,number,state,value,step,a,b,c,d,e,\"we,ird\"\n"
            "1,0,completed,1.0,0,\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",plain,v\n");
}

}  // namespace
}  // namespace autotune
