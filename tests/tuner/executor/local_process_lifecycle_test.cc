// LocalProcessExecutor lifecycle: timeouts, cancellation, stray children,
// slots and GPU assignment, destruction.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
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
using ::autotune::testing::SecondsSince;
using ::autotune::testing::TempDir;
using ::autotune::testing::WriteScript;
using Kind = SegmentResult::Kind;
using Clock = std::chrono::steady_clock;

class LifecycleTest : public ::testing::Test {
 protected:
  SegmentTask Task(std::int64_t id, const std::string& program) {
    SegmentTask t;
    t.segment_id = id;
    t.trial_id = id;
    t.study_name = "s";
    t.argv = {program};
    return t;
  }
  // The pid a script wrote to `file`, once it has.
  pid_t WaitForPid(const std::string& file) {
    pid_t pid = 0;
    RunUntil(io_, [&] {
      pid = static_cast<pid_t>(std::atoi(ReadFile(file).c_str()));
      return pid > 0;
    });
    return pid;
  }

  boost::asio::io_context io_;
  TempDir dir_;
};

TEST_F(LifecycleTest, TimeoutTerminatesAHangingProgram) {
  LocalProcessExecutor exec(io_, {});
  SegmentTask t = Task(1, WriteScript(dir_, "hang.sh", "sleep 30"));
  t.timeout_s = 0.5;
  Outcome out;
  auto t0 = Clock::now();
  ASSERT_TRUE(LaunchInto(exec, t, &out).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_LT(SecondsSince(t0), 10.0);
  EXPECT_GE(SecondsSince(t0), 0.5);
  EXPECT_EQ(out.result.kind, Kind::kTimedOut);
  EXPECT_EQ(out.result.exit_code, SIGTERM);
  EXPECT_EQ(out.result.error, "timed out after 0.5 s");
  EXPECT_FALSE(out.result.ok());
}

TEST_F(LifecycleTest, TimeoutEscalatesToSigkillWhenSigtermIsIgnored) {
  LocalProcessOptions opts;
  opts.kill_grace_s = 0.5;
  LocalProcessExecutor exec(io_, opts);
  SegmentTask t = Task(1, WriteScript(dir_, "stubborn.sh", "trap '' TERM; sleep 30"));
  t.timeout_s = 1;
  Outcome out;
  auto t0 = Clock::now();
  ASSERT_TRUE(LaunchInto(exec, t, &out).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_GE(SecondsSince(t0), 1.5);
  EXPECT_LT(SecondsSince(t0), 10.0);
  EXPECT_EQ(out.result.kind, Kind::kTimedOut);
  EXPECT_EQ(out.result.exit_code, SIGKILL);
}

TEST_F(LifecycleTest, TimedOutSegmentFailsEvenIfItExitsCleanlyOnSigterm) {
  LocalProcessExecutor exec(io_, {});
  SegmentTask t = Task(1, WriteScript(dir_, "polite.sh", "trap 'exit 0' TERM; sleep 30 & wait"));
  t.timeout_s = 0.5;
  Outcome out;
  ASSERT_TRUE(LaunchInto(exec, t, &out).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_EQ(out.result.kind, Kind::kTimedOut);
  EXPECT_EQ(out.result.exit_code, 0);
  EXPECT_FALSE(out.result.ok());
}

TEST_F(LifecycleTest, CancelKillsTheWholeProcessGroup) {
  LocalProcessExecutor exec(io_, {});
  SegmentTask t = Task(4, WriteScript(dir_, "tree.sh", "sleep 30 & echo $! > \"$PID_FILE\"; wait"));
  t.env["PID_FILE"] = dir_ / "pid";
  Outcome out;
  ASSERT_TRUE(LaunchInto(exec, t, &out).ok());
  pid_t grandchild = WaitForPid(dir_ / "pid");
  ASSERT_GT(grandchild, 0);
  auto t0 = Clock::now();
  exec.Cancel(4);
  EXPECT_FALSE(out.done());  // never from inside Cancel
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_LT(SecondsSince(t0), 4.0);
  EXPECT_EQ(out.result.kind, Kind::kCancelled);
  EXPECT_EQ(out.result.error, "cancelled");
  EXPECT_EQ(out.done_calls, 1);
  EXPECT_TRUE(RunUntil(
      io_, [&] { return IsDead(grandchild); }, std::chrono::milliseconds(3000)));
}

TEST_F(LifecycleTest, CancelRightAfterLaunchAndOfUnknownIdsIsSafe) {
  LocalProcessExecutor exec(io_, {});
  Outcome out;
  ASSERT_TRUE(LaunchInto(exec, Task(1, WriteScript(dir_, "s.sh", "sleep 30")), &out).ok());
  exec.Cancel(1);
  exec.Cancel(1);
  exec.Cancel(99);
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_EQ(out.result.kind, Kind::kCancelled);
  exec.Cancel(1);  // finished: ignored
  io_.restart();
  io_.poll();
  EXPECT_EQ(out.done_calls, 1);
}

TEST_F(LifecycleTest, ChildLeftHoldingThePipesDoesNotHangTheSegment) {
  LocalProcessOptions opts;
  opts.pipe_grace_s = 0.3;
  LocalProcessExecutor exec(io_, opts);
  SegmentTask t = Task(1, WriteScript(dir_, "bg.sh", "sleep 30 & echo $! > \"$PID_FILE\"; echo hi"));
  t.env["PID_FILE"] = dir_ / "pid";
  Outcome out;
  auto t0 = Clock::now();
  ASSERT_TRUE(LaunchInto(exec, t, &out).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return out.done(); }));
  EXPECT_LT(SecondsSince(t0), 5.0);
  EXPECT_TRUE(out.result.ok()) << out.result.error;
  EXPECT_EQ(out.result.log_tail, "hi\n");
  pid_t straggler = static_cast<pid_t>(std::atoi(ReadFile(dir_ / "pid").c_str()));
  ASSERT_GT(straggler, 0);
  EXPECT_TRUE(RunUntil(
      io_, [&] { return IsDead(straggler); }, std::chrono::milliseconds(3000)));
}

TEST_F(LifecycleTest, ParallelSegmentsRespectCapacity) {
  LocalProcessOptions opts;
  opts.max_parallel = 2;
  LocalProcessExecutor exec(io_, opts);
  EXPECT_EQ(exec.Capacity(), 2);
  std::string prog = WriteScript(dir_, "short.sh", "sleep 0.3");
  Outcome a, b, c, d;
  ASSERT_TRUE(LaunchInto(exec, Task(1, prog), &a).ok());
  ASSERT_TRUE(LaunchInto(exec, Task(2, prog), &b).ok());
  EXPECT_EQ(exec.Running(), 2);
  Status full = LaunchInto(exec, Task(3, prog), &c);
  EXPECT_EQ(full.code(), Status::Code::kUnavailable);
  EXPECT_EQ(LaunchInto(exec, Task(1, prog), &c).code(), Status::Code::kAlreadyExists);
  ASSERT_TRUE(RunUntil(io_, [&] { return a.done() && b.done(); }));
  EXPECT_TRUE(a.result.ok());
  EXPECT_TRUE(b.result.ok());
  EXPECT_EQ(exec.Running(), 0);
  EXPECT_EQ(c.done_calls, 0);  // a rejected launch never reports
  ASSERT_TRUE(LaunchInto(exec, Task(3, prog), &c).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return c.done(); }));
  EXPECT_TRUE(c.result.ok());
}

TEST_F(LifecycleTest, OnDoneMayLaunchTheNextSegmentIntoTheFreedSlot) {
  LocalProcessExecutor exec(io_, {});
  std::string prog = WriteScript(dir_, "quick.sh", "exit 0");
  Outcome second;
  Status relaunch = Status::Internal("not called");
  ASSERT_TRUE(exec.Launch(Task(1, prog), nullptr,
                          [&](const SegmentResult&) { relaunch = LaunchInto(exec, Task(2, prog), &second); })
                  .ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return second.done(); }));
  EXPECT_TRUE(relaunch.ok()) << relaunch.ToString();
  EXPECT_TRUE(second.result.ok());
}

TEST_F(LifecycleTest, GpuIdsAreAssignedDisjointlyAndReleased) {
  LocalProcessOptions opts;
  opts.max_parallel = 4;
  opts.gpu_ids = {3, 5, 7, 9};
  opts.gpus_per_trial = 2;
  LocalProcessExecutor exec(io_, opts);
  EXPECT_EQ(exec.Capacity(), 2);
  std::string prog = WriteScript(dir_, "gpu.sh", "echo \"$CUDA_VISIBLE_DEVICES\"; sleep 0.2");
  SegmentTask t1 = Task(1, prog), t2 = Task(2, prog), t3 = Task(3, prog);
  t1.gpus = t2.gpus = t3.gpus = 2;
  Outcome a, b, c;
  ASSERT_TRUE(LaunchInto(exec, t1, &a).ok());
  ASSERT_TRUE(LaunchInto(exec, t2, &b).ok());
  EXPECT_TRUE(exec.FreeGpus().empty());
  EXPECT_EQ(LaunchInto(exec, t3, &c).code(), Status::Code::kUnavailable);
  ASSERT_TRUE(RunUntil(io_, [&] { return a.done() && b.done(); }));
  EXPECT_EQ(a.result.log_tail, "3,5\n");
  EXPECT_EQ(b.result.log_tail, "7,9\n");
  EXPECT_EQ(exec.FreeGpus(), (std::vector<int>{3, 5, 7, 9}));

  t3.gpus = 1;
  ASSERT_TRUE(LaunchInto(exec, t3, &c).ok());
  EXPECT_EQ(exec.FreeGpus(), (std::vector<int>{5, 7, 9}));
  ASSERT_TRUE(RunUntil(io_, [&] { return c.done(); }));
  EXPECT_EQ(c.result.log_tail, "3\n");
}

TEST_F(LifecycleTest, ImpossibleGpuRequestsAreRejected) {
  LocalProcessOptions opts;
  opts.max_parallel = 2;
  opts.gpu_ids = {0, 1};
  LocalProcessExecutor exec(io_, opts);
  SegmentTask t = Task(1, WriteScript(dir_, "x.sh", "exit 0"));
  Outcome out;
  t.gpus = 3;
  EXPECT_EQ(LaunchInto(exec, t, &out).code(), Status::Code::kInvalidArgument);
  t.gpus = -1;
  EXPECT_EQ(LaunchInto(exec, t, &out).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(exec.Running(), 0);
}

TEST_F(LifecycleTest, CapacityIsLimitedByGpuGroups) {
  LocalProcessOptions opts;
  opts.max_parallel = 4;
  opts.gpu_ids = {0, 1, 2};
  opts.gpus_per_trial = 2;
  EXPECT_EQ(LocalProcessExecutor(io_, opts).Capacity(), 1);
  opts.gpus_per_trial = 0;
  EXPECT_EQ(LocalProcessExecutor(io_, opts).Capacity(), 4);
  opts.max_parallel = 0;
  EXPECT_EQ(LocalProcessExecutor(io_, opts).Capacity(), 1);
}

TEST_F(LifecycleTest, DestructorKillsAndReapsRunningSegmentsWithoutCallingOnDone) {
  Outcome out;
  pid_t pid = 0;
  {
    LocalProcessExecutor exec(io_, {});
    SegmentTask t = Task(1, WriteScript(dir_, "long.sh", "echo $$ > \"$PID_FILE\"; exec sleep 30"));
    t.env["PID_FILE"] = dir_ / "pid";
    ASSERT_TRUE(LaunchInto(exec, t, &out).ok());
    pid = WaitForPid(dir_ / "pid");
    ASSERT_GT(pid, 0);
  }
  EXPECT_EQ(::kill(pid, 0), -1);  // killed and reaped: not even a zombie is left
  io_.restart();
  io_.poll();
  EXPECT_EQ(out.done_calls, 0);
}

}  // namespace
}  // namespace autotune
