#include "tuner/executor/protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace autotune {
namespace {

using Kind = ProtocolLine::Kind;

TEST(ParseStdoutLineTest, ValidLineGivesStepAndMetrics) {
  ProtocolLine p = ParseStdoutLine(R"(AUTOTUNE {"step": 120, "val_acc": 0.83, "loss": -1e-3, "n": 7})");
  ASSERT_EQ(p.kind, Kind::kMetrics) << p.error;
  EXPECT_EQ(p.point.step, 120);
  EXPECT_EQ(p.point.values, (Metrics{{"val_acc", 0.83}, {"loss", -1e-3}, {"n", 7.0}}));
  EXPECT_TRUE(p.error.empty());
}

TEST(ParseStdoutLineTest, TabSeparatorAndStepOnlyAreValid) {
  ProtocolLine p = ParseStdoutLine("AUTOTUNE\t{\"step\": 0}");
  ASSERT_EQ(p.kind, Kind::kMetrics) << p.error;
  EXPECT_EQ(p.point.step, 0);
  EXPECT_TRUE(p.point.values.empty());
}

TEST(ParseStdoutLineTest, OtherLinesAreLog) {
  for (const char* line : {"", "hello", "AUTOTUNE", "AUTOTUNEX {\"step\": 1}", " AUTOTUNE {\"step\": 1}",
                           "autotune {\"step\": 1}", "epoch 1 AUTOTUNE {\"step\": 1}"}) {
    EXPECT_EQ(ParseStdoutLine(line).kind, Kind::kLog) << line;
  }
}

TEST(ParseStdoutLineTest, MalformedProtocolLinesSayWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"AUTOTUNE not json", "not valid JSON"},
      {"AUTOTUNE ", "not valid JSON"},
      {R"(AUTOTUNE {"step": 1, "loss": NaN})", "not valid JSON"},
      {R"(AUTOTUNE {"step": 1, "loss": Infinity})", "not valid JSON"},
      {R"(AUTOTUNE [1, 2])", "expected a JSON object"},
      {R"(AUTOTUNE {"loss": 1})", "\"step\" is missing"},
      {R"(AUTOTUNE {"step": -1})", "\"step\" must be an integer >= 0"},
      {R"(AUTOTUNE {"step": 1.5})", "\"step\" must be an integer >= 0"},
      {R"(AUTOTUNE {"step": "3"})", "\"step\" must be an integer >= 0"},
      {R"(AUTOTUNE {"step": 18446744073709551615})", "\"step\" is too large"},
      {R"(AUTOTUNE {"step": 1, "loss": "low"})", "metric \"loss\" is not a number"},
      {R"(AUTOTUNE {"step": 1, "ok": true})", "metric \"ok\" is not a number"},
      {R"(AUTOTUNE {"step": 1, "loss": null})", "metric \"loss\" is not a number"},
      {R"(AUTOTUNE {"step": 1, "m": {"a": 1}})", "metric \"m\" is not a number"},
      {R"(AUTOTUNE {"step": 1, "loss": 1e999})", "not valid JSON"},  // overflow
  };
  for (const auto& [line, why] : cases) {
    ProtocolLine p = ParseStdoutLine(line);
    EXPECT_EQ(p.kind, Kind::kInvalid) << line;
    EXPECT_EQ(p.error.rfind("bad AUTOTUNE line: " + why, 0), 0u) << line << " -> " << p.error;
  }
}

// Hardening (issue 12): a line of 60,000 '[' is refused before a document of
// that depth is built; brackets inside strings do not count.
TEST(ParseStdoutLineTest, DeeplyNestedLinesAreRefusedBeforeParsing) {
  ProtocolLine deep = ParseStdoutLine("AUTOTUNE " + std::string(60000, '['));
  EXPECT_EQ(deep.kind, Kind::kInvalid);
  EXPECT_EQ(deep.error.rfind("bad AUTOTUNE line: nested more than 8 levels deep", 0), 0u) << deep.error;
  ProtocolLine nine = ParseStdoutLine(R"(AUTOTUNE {"step": 1, "m": [[[[[[[[1]]]]]]]]})");
  EXPECT_EQ(nine.error.rfind("bad AUTOTUNE line: nested more than 8 levels deep", 0), 0u) << nine.error;
  ProtocolLine quoted = ParseStdoutLine(R"(AUTOTUNE {"step": 2, "[[[[[[[[[[\"{{{{{{{{{{": 0.5})");
  ASSERT_EQ(quoted.kind, Kind::kMetrics) << quoted.error;
  EXPECT_EQ(quoted.point.values.at(R"([[[[[[[[[["{{{{{{{{{{)"), 0.5);
}

TEST(ParseStdoutLineTest, ErrorQuotesAShortenedLine) {
  std::string line = "AUTOTUNE {\"step\": 1, \"loss\": \"" + std::string(5000, 'x') + "\"}";
  ProtocolLine p = ParseStdoutLine(line);
  ASSERT_EQ(p.kind, Kind::kInvalid);
  EXPECT_LT(p.error.size(), 400u);
  EXPECT_NE(p.error.find("AUTOTUNE {\"step\": 1"), std::string::npos);
}

// Collects what a LineSplitter emits.
struct Lines {
  std::vector<std::pair<std::string, bool>> got;
  LineSplitter::LineFn fn() {
    return [this](std::string_view l, bool t) { got.emplace_back(std::string(l), t); };
  }
};

TEST(LineSplitterTest, JoinsLinesSplitAcrossChunks) {
  LineSplitter s(100);
  Lines lines;
  s.Feed("hel", lines.fn());
  EXPECT_TRUE(lines.got.empty());
  s.Feed("lo\nwor", lines.fn());
  s.Feed("ld\n\nlast", lines.fn());
  s.Finish(lines.fn());
  std::vector<std::pair<std::string, bool>> want = {
      {"hello", false}, {"world", false}, {"", false}, {"last", false}};
  EXPECT_EQ(lines.got, want);
}

TEST(LineSplitterTest, FinishWithoutPendingBytesEmitsNothing) {
  LineSplitter s(100);
  Lines lines;
  s.Feed("a\n", lines.fn());
  s.Finish(lines.fn());
  EXPECT_EQ(lines.got.size(), 1u);
}

TEST(LineSplitterTest, DropsCarriageReturnBeforeNewline) {
  LineSplitter s(100);
  Lines lines;
  s.Feed("dos\r\nline\r", lines.fn());
  s.Finish(lines.fn());
  std::vector<std::pair<std::string, bool>> want = {{"dos", false}, {"line", false}};
  EXPECT_EQ(lines.got, want);
}

TEST(LineSplitterTest, CutsLongLinesAndKeepsTheNextOne) {
  LineSplitter s(4);
  Lines lines;
  s.Feed("abcdef", lines.fn());
  s.Feed("gh\nxy\n", lines.fn());
  std::vector<std::pair<std::string, bool>> want = {{"abcd", true}, {"xy", false}};
  EXPECT_EQ(lines.got, want);
}

TEST(LogTailTest, KeepsOnlyTheLastLines) {
  LogTail tail(3);
  for (int i = 1; i <= 10; ++i) tail.Add("line " + std::to_string(i));
  EXPECT_EQ(tail.Text(), "line 8\nline 9\nline 10\n");
}

TEST(LogTailTest, ZeroCapacityKeepsNothing) {
  LogTail tail(0);
  tail.Add("x");
  EXPECT_EQ(tail.Text(), "");
}

}  // namespace
}  // namespace autotune
