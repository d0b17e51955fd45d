// Regression (issue 12, item 7): nothing a trial starts outlives its segment
// or its coordinator. A grandchild that moved to its own process group or
// session survived the trial, and after kill -9 of `autotune run` the trials
// kept running beside the rerun's copies of the same segments.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <string>

#include "tests/tuner/executor/test_util.h"
#include "tuner/executor/local_process.h"

namespace autotune {
namespace {

using ::autotune::testing::IsDead;
using ::autotune::testing::LaunchInto;
using ::autotune::testing::Outcome;
using ::autotune::testing::ReadFile;
using ::autotune::testing::RunUntil;
using ::autotune::testing::TempDir;
using ::autotune::testing::WriteScript;
using Kind = SegmentResult::Kind;
using std::chrono::milliseconds;

// Starts $GC_SCRIPT (it publishes its pid in $GC_FILE, then sleeps) detached
// from the trial, in a new session (setsid) or only a new process group, with
// its output away from the segment's pipes; returns once the pid is there.
std::string Detach(bool new_session) {
  const std::string run = new_session ? "setsid \"$GC_SCRIPT\""
                                      : "python3 -c 'import os, sys; os.setpgid(0, 0); os.execv(sys.argv[1], "
                                        "sys.argv[1:])' \"$GC_SCRIPT\"";
  return run + " </dev/null >/dev/null 2>&1 &\nwhile [ ! -s \"$GC_FILE\" ]; do sleep 0.05; done\n";
}

class DescendantsTest : public ::testing::Test {
 protected:
  SegmentTask Task(const std::string& body) {
    SegmentTask t;
    t.segment_id = 1;
    t.trial_id = 1;
    t.study_name = "s";
    t.argv = {WriteScript(dir_, "trial.sh", body)};
    t.env["GC_FILE"] = dir_ / "gc";
    t.env["PID_FILE"] = dir_ / "pid";
    t.env["GC_SCRIPT"] = WriteScript(
        dir_, "grandchild.sh", "echo $$ > \"$GC_FILE.tmp\"; mv \"$GC_FILE.tmp\" \"$GC_FILE\"; exec sleep 30");
    return t;
  }
  pid_t PidIn(const std::string& name) {
    return static_cast<pid_t>(std::atoi(ReadFile(dir_ / name).c_str()));
  }
  // Polls (the io_context may have nothing left to run) until pid is dead.
  bool EventuallyDead(pid_t pid) {
    return RunUntil(
        io_, [&] { return IsDead(pid); }, milliseconds(10000));
  }

  boost::asio::io_context io_;
  TempDir dir_;
};

TEST_F(DescendantsTest, ADescendantInItsOwnSessionEndsWithTheSegment) {
  LocalProcessExecutor exec(io_, {});
  Outcome out;
  ASSERT_TRUE(LaunchInto(exec, Task(Detach(true) + "echo 'AUTOTUNE {\"step\": 1}'"), &out).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_TRUE(out.result.ok()) << out.result.error;
  EXPECT_EQ(out.metrics.size(), 1u);
  const pid_t grandchild = PidIn("gc");
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(EventuallyDead(grandchild));
}

TEST_F(DescendantsTest, CancelEndsADescendantInItsOwnProcessGroup) {
  LocalProcessExecutor exec(io_, {});
  Outcome out;
  ASSERT_TRUE(LaunchInto(exec, Task(Detach(false) + "echo ready > \"$PID_FILE\"; sleep 30"), &out).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return !ReadFile(dir_ / "pid").empty(); }));
  const pid_t grandchild = PidIn("gc");
  ASSERT_GT(grandchild, 0);
  exec.Cancel(1);
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_EQ(out.result.kind, Kind::kCancelled);
  EXPECT_EQ(out.result.exit_code, SIGTERM);  // the trial's own end, passed through the supervisor
  EXPECT_TRUE(EventuallyDead(grandchild));
}

// The coordinator-like parent is a forked copy of this test that runs an
// executor; it is killed with SIGKILL while its trial runs.
TEST_F(DescendantsTest, TrialAndDetachedGrandchildDieWithTheirCoordinator) {
  SegmentTask task =
      Task(Detach(true) + "echo $$ > \"$PID_FILE.tmp\"; mv \"$PID_FILE.tmp\" \"$PID_FILE\"; sleep 30");
  const pid_t coordinator = ::fork();
  ASSERT_GE(coordinator, 0);
  if (coordinator == 0) {
    boost::asio::io_context io;
    LocalProcessExecutor exec(io, {});
    Outcome out;
    if (!LaunchInto(exec, task, &out).ok()) ::_exit(1);
    RunUntil(
        io, [] { return false; }, milliseconds(60000));
    ::_exit(2);  // not reached: killed first
  }
  const bool started = RunUntil(io_, [&] { return !ReadFile(dir_ / "pid").empty(); });
  ::kill(coordinator, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(coordinator, &status, 0), coordinator);
  ASSERT_TRUE(started);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the coordinator ended by itself with " << status;
  const pid_t trial = PidIn("pid"), grandchild = PidIn("gc");
  ASSERT_GT(trial, 0);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(EventuallyDead(trial));
  EXPECT_TRUE(EventuallyDead(grandchild));
}

TEST_F(DescendantsTest, AMissingSupervisorFailsEveryLaunchSayingSo) {
  LocalProcessOptions opts;
  opts.supervisor_path = dir_ / "no-supervisor";
  LocalProcessExecutor exec(io_, opts);
  Outcome out;
  ASSERT_TRUE(LaunchInto(exec, Task("exit 0"), &out).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_EQ(out.result.kind, Kind::kSpawnFailed);
  EXPECT_NE(out.result.error.find("trial supervisor"), std::string::npos) << out.result.error;
}

}  // namespace
}  // namespace autotune
