// LocalProcessExecutor: what a trial program sees (environment, argv) and what
// the executor makes of its output and exit. Lifecycle (timeouts, cancel,
// slots, GPUs) is in local_process_lifecycle_test.cc.
#include "tuner/executor/local_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tests/tuner/executor/test_util.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

using ::autotune::testing::LaunchInto;
using ::autotune::testing::Outcome;
using ::autotune::testing::ReadFile;
using ::autotune::testing::RunUntil;
using ::autotune::testing::TempDir;
using ::autotune::testing::WriteScript;
using Kind = SegmentResult::Kind;

class LocalProcessTest : public ::testing::Test {
 protected:
  // Runs one segment of `program` to its end and returns what it reported.
  Outcome RunOne(SegmentTask task, LocalProcessOptions opts = {}) {
    LocalProcessExecutor exec(io_, opts);
    Outcome out;
    Status s = LaunchInto(exec, task, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(RunUntil(io_, [&] { return out.done(); }));
    EXPECT_EQ(exec.Running(), 0);
    return out;
  }
  SegmentTask Task(const std::string& program) {
    SegmentTask t;
    t.segment_id = 7;
    t.trial_id = 3;
    t.study_name = "study one";
    t.argv = {program};
    return t;
  }

  boost::asio::io_context io_;
  TempDir dir_;
};

// "NAME=value" lines (as printed by env) into a map.
std::map<std::string, std::string> ParseEnv(const std::string& text) {
  std::map<std::string, std::string> vars;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::size_t eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return vars;
}

TEST_F(LocalProcessTest, ChildGetsProtocolVariablesTaskEnvAndParentEnv) {
  ::setenv("AUTOTUNE_TEST_FROM_PARENT", "parent value", 1);
  SegmentTask t = Task(WriteScript(dir_, "env.sh", "env > \"$OUT_FILE\""));
  t.env = {{"OUT_FILE", dir_ / "env.txt"}, {"EXTRA", "x y"}, {"AUTOTUNE_SEED", "overridden?"}};
  t.params = {{"lr", 0.001}, {"depth", std::int64_t{3}}, {"opt", std::string("adam")}, {"nesterov", true}};
  t.step_begin = 10;
  t.step_end = 20;
  t.resume_from = dir_ / "ckpt-prev";
  t.checkpoint_dir = dir_ / "ckpt";
  t.seed = 18446744073709551615ull;
  Outcome out = RunOne(t);
  ASSERT_TRUE(out.result.ok()) << out.result.error;

  auto vars = ParseEnv(ReadFile(dir_ / "env.txt"));
  StatusOr<Params> params = ParamsFromJson(vars["AUTOTUNE_PARAMS"]);
  ASSERT_TRUE(params.ok()) << vars["AUTOTUNE_PARAMS"];
  EXPECT_EQ(*params, t.params);
  EXPECT_EQ(vars["AUTOTUNE_STUDY"], "study one");
  EXPECT_EQ(vars["AUTOTUNE_TRIAL_ID"], "3");
  EXPECT_EQ(vars["AUTOTUNE_STEP_BEGIN"], "10");
  EXPECT_EQ(vars["AUTOTUNE_STEP_END"], "20");
  EXPECT_EQ(vars["AUTOTUNE_RESUME_FROM"], dir_ / "ckpt-prev");
  EXPECT_EQ(vars["AUTOTUNE_CHECKPOINT_DIR"], dir_ / "ckpt");
  EXPECT_EQ(vars["AUTOTUNE_SEED"], "18446744073709551615");  // the protocol wins over task.env
  EXPECT_EQ(vars["EXTRA"], "x y");
  EXPECT_EQ(vars["AUTOTUNE_TEST_FROM_PARENT"], "parent value");
  ::unsetenv("AUTOTUNE_TEST_FROM_PARENT");
}

TEST_F(LocalProcessTest, ResumeFromIsAbsentOnAFreshStart) {
  SegmentTask t = Task(WriteScript(dir_, "r.sh", "echo \"resume=${AUTOTUNE_RESUME_FROM-unset}\""));
  Outcome out = RunOne(t);
  EXPECT_EQ(out.result.log_tail, "resume=unset\n");
}

TEST_F(LocalProcessTest, CreatesTheCheckpointDirectoryBeforeLaunch) {
  SegmentTask t = Task(WriteScript(dir_, "c.sh", "[ -d \"$AUTOTUNE_CHECKPOINT_DIR\" ] || exit 3"));
  t.checkpoint_dir = dir_ / "a/b/c";
  Outcome out = RunOne(t);
  EXPECT_TRUE(out.result.ok()) << out.result.exit_code;
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "a/b/c"));
  EXPECT_FALSE(out.result.checkpoint_complete);
}

TEST_F(LocalProcessTest, ReportsTheCompleteMarker) {
  SegmentTask t = Task(WriteScript(dir_, "m.sh", "touch \"$AUTOTUNE_CHECKPOINT_DIR/COMPLETE\""));
  t.checkpoint_dir = dir_ / "done";
  EXPECT_TRUE(RunOne(t).result.checkpoint_complete);
}

TEST_F(LocalProcessTest, PassesArgvExactlyWithoutAShell) {
  SegmentTask t = Task(WriteScript(dir_, "args.sh", "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done"));
  t.argv.insert(t.argv.end(), {"a b", "it's", "\"quoted\"", "", "$HOME", "*", "x;y|z"});
  Outcome out = RunOne(t);
  EXPECT_EQ(out.result.log_tail, "[a b]\n[it's]\n[\"quoted\"]\n[]\n[$HOME]\n[*]\n[x;y|z]\n");
}

TEST_F(LocalProcessTest, DeliversMetricsInOrderBeforeDone) {
  SegmentTask t = Task(WriteScript(dir_, "metrics.sh", R"(echo "starting"
echo 'AUTOTUNE {"step": 0, "loss": 2.5}'
echo "epoch 1"
echo 'AUTOTUNE {"step": 1, "loss": 1.25, "acc": 0.5}'
printf 'AUTOTUNE {"step": 2, "loss": 0.5}')"));
  Outcome out = RunOne(t);
  ASSERT_TRUE(out.result.ok()) << out.result.error;
  ASSERT_EQ(out.metrics.size(), 3u);
  EXPECT_EQ(out.metrics[0].step, 0);
  EXPECT_EQ(out.metrics[0].values, (Metrics{{"loss", 2.5}}));
  EXPECT_EQ(out.metrics[1].values, (Metrics{{"loss", 1.25}, {"acc", 0.5}}));
  EXPECT_EQ(out.metrics[2].step, 2);  // the last line had no newline
  EXPECT_FALSE(out.metrics_after_done);
  EXPECT_EQ(out.done_calls, 1);
  EXPECT_EQ(out.result.log_tail, "starting\nepoch 1\n");
}

TEST_F(LocalProcessTest, GarbageProtocolLineFailsTheSegmentButReadingGoesOn) {
  SegmentTask t = Task(WriteScript(dir_, "bad.sh", R"(echo 'AUTOTUNE {"step": 1, "loss": "high"}'
echo 'AUTOTUNE this is not json'
echo 'AUTOTUNE {"step": 2, "loss": 1}'
echo "still logging")"));
  Outcome out = RunOne(t);
  EXPECT_EQ(out.result.kind, Kind::kExited);
  EXPECT_EQ(out.result.exit_code, 0);
  EXPECT_FALSE(out.result.ok());
  // The first error is the one reported.
  EXPECT_EQ(out.result.error.rfind("bad AUTOTUNE line: metric \"loss\" is not a number: ", 0), 0u)
      << out.result.error;
  ASSERT_EQ(out.metrics.size(), 1u);
  EXPECT_EQ(out.metrics[0].step, 2);
  EXPECT_EQ(out.result.log_tail, "still logging\n");
}

TEST_F(LocalProcessTest, NanMetricIsAnError) {
  SegmentTask t = Task(WriteScript(dir_, "nan.sh", R"(echo 'AUTOTUNE {"step": 1, "loss": NaN}')"));
  Outcome out = RunOne(t);
  EXPECT_FALSE(out.result.ok());
  EXPECT_NE(out.result.error.find("bad AUTOTUNE line: not valid JSON"), std::string::npos)
      << out.result.error;
  EXPECT_TRUE(out.metrics.empty());
}

TEST_F(LocalProcessTest, OverlongProtocolLineIsAnError) {
  LocalProcessOptions opts;
  opts.max_line_bytes = 50;
  std::string line = R"(AUTOTUNE {"step": 1, "a_metric_with_a_very_long_name": 12345.678})";
  Outcome out = RunOne(Task(WriteScript(dir_, "long.sh", "echo '" + line + "'")), opts);
  EXPECT_EQ(out.result.error, "bad AUTOTUNE line: longer than 50 bytes");
  EXPECT_TRUE(out.metrics.empty());
}

TEST_F(LocalProcessTest, ThrowingMetricsCallbackFailsTheSegmentInsteadOfEscaping) {
  LocalProcessExecutor exec(io_, {});
  SegmentResult result;
  bool done = false;
  SegmentTask t = Task(WriteScript(dir_, "m.sh", R"(echo 'AUTOTUNE {"step": 1}')"));
  ASSERT_TRUE(exec.Launch(
                      t, [](const MetricPoint&) { throw std::runtime_error("boom"); },
                      [&](const SegmentResult& r) {
                        result = r;
                        done = true;
                      })
                  .ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return done; }));
  EXPECT_EQ(result.error, "metrics callback failed: boom");
  EXPECT_FALSE(result.ok());
}

TEST_F(LocalProcessTest, NonZeroExitIsReported) {
  Outcome out = RunOne(Task(WriteScript(dir_, "exit3.sh", "echo failing >&2; exit 3")));
  EXPECT_EQ(out.result.kind, Kind::kExited);
  EXPECT_EQ(out.result.exit_code, 3);
  EXPECT_TRUE(out.result.error.empty());
  EXPECT_FALSE(out.result.ok());
  EXPECT_EQ(out.result.log_tail, "failing\n");
}

TEST_F(LocalProcessTest, DeathBySignalIsReported) {
  Outcome out = RunOne(Task(WriteScript(dir_, "kill.sh", "kill -USR1 $$")));
  EXPECT_EQ(out.result.kind, Kind::kSignaled);
  EXPECT_EQ(out.result.exit_code, SIGUSR1);
  EXPECT_FALSE(out.result.ok());
}

TEST_F(LocalProcessTest, CapturesStderrWithStdout) {
  // The two pipes are read independently: lines keep their order within a
  // stream, not across streams.
  Outcome out = RunOne(Task(WriteScript(dir_, "err.sh", "echo to-stderr >&2; echo to-stdout")));
  EXPECT_TRUE(out.result.log_tail == "to-stderr\nto-stdout\n" ||
              out.result.log_tail == "to-stdout\nto-stderr\n")
      << out.result.log_tail;
}

TEST_F(LocalProcessTest, LogTailKeepsOnlyTheLastLines) {
  LocalProcessOptions opts;
  opts.log_tail_lines = 5;
  Outcome out = RunOne(
      Task(WriteScript(dir_, "many.sh", "i=1; while [ $i -le 50 ]; do echo line$i; i=$((i+1)); done")), opts);
  EXPECT_EQ(out.result.log_tail, "line46\nline47\nline48\nline49\nline50\n");
}

TEST_F(LocalProcessTest, CutsVeryLongLines) {
  LocalProcessOptions opts;
  opts.max_line_bytes = 1000;
  Outcome out = RunOne(
      Task(WriteScript(dir_, "long.sh", "head -c 300000 /dev/zero | tr '\\0' x; echo; echo after")), opts);
  EXPECT_EQ(out.result.log_tail, std::string(1000, 'x') + " [truncated]\nafter\n");
}

TEST_F(LocalProcessTest, WritesTheFullOutputToTheSegmentLogFile) {
  LocalProcessOptions opts;
  opts.log_dir = dir_ / "logs";
  opts.log_tail_lines = 1;
  SegmentTask t = Task(WriteScript(dir_, "log.sh", R"(echo one
echo 'AUTOTUNE {"step": 1}'
echo two >&2)"));
  Outcome out = RunOne(t, opts);
  EXPECT_EQ(out.result.log_tail, "two\n");
  std::string log = ReadFile(dir_ / "logs/segment-7.log");
  EXPECT_NE(log.find("one\n"), std::string::npos) << log;
  EXPECT_NE(log.find("AUTOTUNE {\"step\": 1}\n"), std::string::npos) << log;
  EXPECT_NE(log.find("two\n"), std::string::npos) << log;
}

TEST_F(LocalProcessTest, MissingProgramIsASpawnFailureReportedAsynchronously) {
  LocalProcessExecutor exec(io_, {});
  Outcome out;
  SegmentTask t = Task(dir_ / "no-such-program");
  ASSERT_TRUE(LaunchInto(exec, t, &out).ok());
  EXPECT_FALSE(out.done());  // never from inside Launch
  EXPECT_EQ(exec.Running(), 0);
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_EQ(out.result.kind, Kind::kSpawnFailed);
  EXPECT_EQ(out.result.error, "cannot execute \"" + t.argv[0] + "\": No such file or directory");
  EXPECT_FALSE(out.result.ok());
}

TEST_F(LocalProcessTest, NonExecutableProgramIsASpawnFailure) {
  Outcome out = RunOne(Task(WriteScript(dir_, "noexec.sh", "exit 0", 0644)));
  EXPECT_EQ(out.result.kind, Kind::kSpawnFailed);
  EXPECT_NE(out.result.error.find("Permission denied"), std::string::npos) << out.result.error;
}

TEST_F(LocalProcessTest, EmptyCommandIsASpawnFailure) {
  SegmentTask t = Task("");
  t.argv.clear();
  Outcome out = RunOne(t);
  EXPECT_EQ(out.result.kind, Kind::kSpawnFailed);
  EXPECT_EQ(out.result.error, "empty command");
}

TEST_F(LocalProcessTest, UncreatableCheckpointDirectoryIsASpawnFailure) {
  WriteScript(dir_, "file", "");
  SegmentTask t = Task(WriteScript(dir_, "ok.sh", "exit 0"));
  t.checkpoint_dir = dir_ / "file/sub";
  Outcome out = RunOne(t);
  EXPECT_EQ(out.result.kind, Kind::kSpawnFailed);
  EXPECT_NE(out.result.error.find("cannot create checkpoint directory"), std::string::npos);
}

TEST_F(LocalProcessTest, StdinIsEmpty) {
  Outcome out = RunOne(Task(WriteScript(dir_, "stdin.sh", "wc -c")));
  EXPECT_EQ(out.result.log_tail, "0\n");
}

}  // namespace
}  // namespace autotune
