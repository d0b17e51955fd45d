// kill -9 of `autotune run` in the middle of a study with 2 parallel trials,
// then the same command again: exactly max_trials completed trials, each run
// once (at most the interrupted ones twice).
#include <signal.h>

#include "tests/integration/restart_util.h"

namespace autotune::testing {
namespace {

using nlohmann::json;

class ResumeTest : public TempDirTest {};

TEST_F(ResumeTest, KillNineThenRerunCompletesEachTrialOnce) {
  WriteCountingStudy(dir_, "resume");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::chdir(dir_.c_str());
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    ::execl(AutotuneBinary().c_str(), "autotune", "run", "spec.json", "--db", "s.db", "-q", nullptr);
    ::_exit(127);
  }
  // Let about a third of the trials start, then kill -9 mid-study.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (CountLines(dir_ / "runs.log") < 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  const auto completed_before =
      CompletedTrials(RunAutotune(dir_, "trials --db s.db --study resume --json").out);
  ASSERT_LT(completed_before.size(), 12u) << "the kill came too late to test anything";
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // orphans of the killed run finish

  auto r = RunAutotune(dir_, "run spec.json --db s.db -q");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  auto final_trials = json::parse(RunAutotune(dir_, "trials --db s.db --study resume --json").out);
  ASSERT_EQ(final_trials.size(), 12u);
  for (const auto& row : final_trials) EXPECT_EQ(row["state"], "completed");
  ExpectEachCompletedTrialRanOnce(dir_, completed_before);
}

}  // namespace
}  // namespace autotune::testing
