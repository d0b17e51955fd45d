// The trial supervisor: `autotune-supervisor`, a small program (built from
// tuner/executor/supervisor/main.cc) that the local executor starts in place
// of each trial program, so that nothing a trial starts outlives its segment
// or its coordinator:
//
//   autotune-supervisor PROGRAM [ARGS...]
//
// - The executor forks it in a new process group with PR_SET_PDEATHSIG set to
//   kKillSignal before exec: when the thread that started it (the executor's
//   io_context thread) or the whole coordinator dies, even by kill -9, the
//   supervisor is told.
// - It makes itself a child subreaper (PR_SET_CHILD_SUBREAPER), so every
//   descendant of the trial that loses its parent is reparented to it, also one
//   that moved to its own process group or session.
// - It starts PROGRAM (a path; execve, the environment passed through) in a new
//   process group of its own, with default signal dispositions and mask, and
//   with PR_SET_PDEATHSIG = SIGKILL.
// - SIGTERM, SIGINT or SIGHUP to the supervisor are forwarded to the trial's
//   process group (with SIGCONT), as the executor's graceful stop.
// - kKillSignal (the executor's "kill now", or the coordinator's death)
//   SIGKILLs the trial and every descendant.
// - When the trial ends, every remaining descendant is SIGKILLed; once none is
//   left the supervisor exits as the trial did: the same exit status, or
//   killed by the same signal. Its stdout and stderr are the trial's.
// - Launch failures are reported on descriptor kReportFd as one ChildFailure;
//   the descriptor closes (EOF, nothing written) once PROGRAM was exec'd.
#pragma once

#include <signal.h>

#include <string>

#include "tuner/core/status.h"

namespace autotune::supervisor {

// The report pipe's write end, as the supervisor finds it.
inline constexpr int kReportFd = 3;
// Ends the trial and all its descendants at once.
inline constexpr int kKillSignal = SIGUSR1;
// The file name of the supervisor program.
inline constexpr const char* kProgramName = "autotune-supervisor";

// What a launch failure reports through the report pipe.
struct ChildFailure {
  int stage;
  int err;  // errno
};
enum Stage : int {
  kSetpgid = 1,      // the executor's child could not get its own process group
  kDup2,             // ... could not set up descriptors 0-3
  kExec,             // the trial program could not be exec'd
  kSupervisorExec,   // the supervisor itself could not be exec'd
  kSupervisorSetup,  // the supervisor could not become a subreaper or fork
};

// Where the supervisor is: `explicit_path` when it is not empty; else
// autotune-supervisor beside the running executable (/proc/self/exe: an
// installed or build-tree `autotune`); else the build tree's copy, whose path
// was fixed at compile time (test and bench programs). Errors name the places
// looked at.
StatusOr<std::string> FindSupervisor(const std::string& explicit_path = "");

}  // namespace autotune::supervisor
