// Low-level process launch for the local executor: fork/exec of an argv
// (never through a shell) with a given environment, in a new process group,
// stdin from /dev/null and stdout/stderr on pipes.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "tuner/core/status.h"

namespace autotune {

struct SpawnedProcess {
  pid_t pid = -1;      // also the id of its process group
  int stdout_fd = -1;  // read ends, close-on-exec; owned by the caller
  int stderr_fd = -1;
};

// The current process's environment with `overrides` applied on top (an
// override replaces a variable of the same name), as "NAME=value" strings.
std::vector<std::string> BuildEnvironment(const std::map<std::string, std::string>& overrides);

// Starts argv[0] (a path; PATH is not searched) with exactly argv and env.
// The child gets its own process group (pgid == pid), default signal
// dispositions and an empty signal mask, and no descriptors but 0, 1 and 2.
// A failure in the child before exec (e.g. a missing or non-executable
// program) is reported back through a close-on-exec pipe, the child is reaped,
// and the result is an error naming the program and the reason.
//
// With a `supervisor_path` (supervisor.h), the child execs the supervisor with
// argv after it instead, with the report pipe as descriptor 3 and this
// thread's death as its parent-death signal; the result's pid is the
// supervisor's, and the call returns once the trial program itself was exec'd
// (or reports why it could not be, as above).
StatusOr<SpawnedProcess> SpawnProcess(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& env,
                                      const std::string& supervisor_path = "");

}  // namespace autotune
