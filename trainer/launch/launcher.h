// Starts the ranks of a local multi-process job and waits for them like a
// launcher (torchrun's role): the program is executed `nproc` times with
// AUTOTUNE_TRAINER_RANK / _WORLD_SIZE / _PORT in its environment.
//
// Failure handling, the reason this exists: when one rank dies (non-zero exit
// or a signal), the others are usually blocked in a collective waiting for it;
// the launcher stops them (SIGTERM to the ranks' process group, SIGKILL after
// a grace period) and returns non-zero with a message naming the rank, instead
// of hanging until a communication timeout. SIGTERM, SIGINT and SIGHUP sent to
// the launcher are forwarded to the ranks; each rank also dies with SIGKILL if
// the launcher itself is killed (PR_SET_PDEATHSIG).
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace autotune::trainer {

inline constexpr char kRankEnv[] = "AUTOTUNE_TRAINER_RANK";
inline constexpr char kWorldSizeEnv[] = "AUTOTUNE_TRAINER_WORLD_SIZE";
inline constexpr char kPortEnv[] = "AUTOTUNE_TRAINER_PORT";

struct LaunchOptions {
  std::string program;            // executable path
  std::vector<std::string> args;  // argv[0..]
  int nproc = 1;
  int port = 0;                           // the rendezvous port the ranks connect to
  std::chrono::milliseconds grace{5000};  // SIGTERM to SIGKILL
};

// Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP in the calling thread, for the
// launcher to take them synchronously. Call it before starting any thread
// (the rendezvous server's), which then inherits the mask, so that no other
// thread takes a signal meant for the launcher. Idempotent; the mask stays.
void BlockLauncherSignals();

// Runs the ranks to completion (calls BlockLauncherSignals itself). Returns 0 when every rank exited 0;
// otherwise the first failing rank's exit code (128 + signal for a signal), having written one line per event
// to `log`.
int LaunchLocalRanks(const LaunchOptions& options, std::ostream& log);

// The path of the running executable (/proc/self/exe), for re-executing it.
std::string SelfExecutable();

}  // namespace autotune::trainer
