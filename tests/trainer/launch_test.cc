// The local launcher, with /bin/sh scripts as ranks: every rank gets its
// rank, world size and port; a rank that fails brings the others down fast.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "trainer/launch/launcher.h"

namespace autotune::trainer {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

LaunchOptions Shell(const std::string& script, int nproc) {
  LaunchOptions o;
  o.program = "/bin/sh";
  o.args = {"sh", "-c", script};
  o.nproc = nproc;
  o.port = 4242;
  o.grace = std::chrono::milliseconds(300);
  return o;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

TEST(Launcher, EveryRankGetsItsRankWorldAndPortAndSuccessIsZero) {
  const fs::path dir = fs::temp_directory_path() / ("launch_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ostringstream log;
  const int code = LaunchLocalRanks(Shell("echo $AUTOTUNE_TRAINER_WORLD_SIZE $AUTOTUNE_TRAINER_PORT > " +
                                              dir.string() + "/rank$AUTOTUNE_TRAINER_RANK",
                                          3),
                                    log);
  EXPECT_EQ(code, 0) << log.str();
  for (int r = 0; r < 3; ++r) {
    std::ifstream in(dir / ("rank" + std::to_string(r)));
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "3 4242") << "rank " << r;
  }
  fs::remove_all(dir);
}

TEST(Launcher, ARankThatFailsStopsTheOthersInsteadOfHanging) {
  std::ostringstream log;
  const auto start = Clock::now();
  const int code = LaunchLocalRanks(
      Shell("if [ $AUTOTUNE_TRAINER_RANK = 1 ]; then sleep 0.2; exit 3; fi; exec sleep 60", 3), log);
  EXPECT_EQ(code, 3);
  EXPECT_LT(Seconds(start), 10);
  EXPECT_NE(log.str().find("rank 1 exited with code 3"), std::string::npos) << log.str();
}

TEST(Launcher, ARankKilledByASignalIsReportedAndTheResultIsNonZero) {
  std::ostringstream log;
  const int code = LaunchLocalRanks(
      Shell("if [ $AUTOTUNE_TRAINER_RANK = 0 ]; then kill -9 $$; fi; exec sleep 60", 2), log);
  EXPECT_EQ(code, 128 + 9);
  EXPECT_NE(log.str().find("rank 0 was killed by signal"), std::string::npos) << log.str();
}

TEST(Launcher, RanksIgnoringSigtermAreKilledAfterTheGracePeriod) {
  // Rank 1 fails only once rank 0 has set its trap: otherwise a SIGTERM that
  // reaches rank 0 before the trap kills it and no SIGKILL is needed.
  const fs::path ready = fs::temp_directory_path() / ("launch_trap_" + std::to_string(::getpid()));
  fs::remove(ready);
  std::ostringstream log;
  const auto start = Clock::now();
  const int code = LaunchLocalRanks(
      Shell("trap '' TERM; if [ $AUTOTUNE_TRAINER_RANK = 1 ]; then while [ ! -e " + ready.string() +
                " ]; do sleep 0.01; done; exit 5; fi; touch " + ready.string() +
                "; while true; do sleep 0.05; done",
            2),
      log);
  fs::remove(ready);
  EXPECT_EQ(code, 5);
  EXPECT_LT(Seconds(start), 10);
  EXPECT_NE(log.str().find("SIGKILL"), std::string::npos) << log.str();
}

TEST(Launcher, AProgramThatCannotStartFails) {
  std::ostringstream log;
  LaunchOptions o = Shell("", 2);
  o.program = "/nonexistent/autotune-trainer";
  EXPECT_NE(LaunchLocalRanks(o, log), 0);
}

}  // namespace
}  // namespace autotune::trainer
