// autotune-supervisor PROGRAM [ARGS...]: runs one trial program so that
// nothing it starts outlives it (the contract is in tuner/executor/supervisor.h).
// Single-threaded; it waits for signals synchronously (all of them blocked,
// taken with sigtimedwait), so there are no handlers and no races with them.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "tuner/executor/supervisor.h"

extern char** environ;

namespace {

using autotune::supervisor::ChildFailure;
namespace sv = autotune::supervisor;

// How often the descendants are looked at again while some are left, in case
// a SIGCHLD was merged with another.
constexpr long kRescanNanos = 20'000'000;

void Report(int fd, int stage) {
  ChildFailure f{stage, errno};
  if (fd >= 0) {
    ssize_t ignored = ::write(fd, &f, sizeof f);
    (void)ignored;
  }
}

// In the forked child: becomes the trial program. Never returns.
[[noreturn]] void ExecTrial(char** argv, int report, pid_t supervisor) {
  if (::setpgid(0, 0) != 0) {
    Report(report, sv::kSetpgid);
    ::_exit(127);
  }
  // If the supervisor dies (it never should before the trial), so does the trial.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != supervisor) ::_exit(127);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(argv[0], argv, environ);
  Report(report, sv::kExec);
  ::_exit(127);
}

// Every process below this one, found through /proc's parent links (the
// subreaper keeps orphans below it).
std::vector<pid_t> Descendants() {
  std::multimap<pid_t, pid_t> children;  // parent -> child
  DIR* proc = ::opendir("/proc");
  if (!proc) return {};
  while (dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    char path[64], buf[512];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) continue;
    buf[n] = '\0';
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const char* paren = std::strrchr(buf, ')');
    char state = 0;
    long ppid = 0;
    if (paren && std::sscanf(paren + 1, " %c %ld", &state, &ppid) == 2)
      children.emplace(static_cast<pid_t>(ppid), static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  std::vector<pid_t> out, frontier{::getpid()};
  while (!frontier.empty()) {
    pid_t p = frontier.back();
    frontier.pop_back();
    auto [lo, hi] = children.equal_range(p);
    for (auto it = lo; it != hi; ++it) {
      out.push_back(it->second);
      frontier.push_back(it->second);
    }
  }
  return out;
}

// Exits as the trial did: with its exit status, or killed by its signal.
[[noreturn]] void ExitLike(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);  // the trial may have dumped core; this copy must not
    ::signal(sig, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
    ::kill(::getpid(), sig);
    ::_exit(128 + sig);  // a signal that does not kill by default
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n(started by autotune for each trial)\n", argv[0]);
    return 2;
  }
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, sv::kKillSignal}) sigaddset(&handled, s);
  ::sigprocmask(SIG_BLOCK, &handled, nullptr);
  // Descriptor 3 is the executor's report pipe; when run by hand it may be absent.
  const int report = ::fcntl(sv::kReportFd, F_SETFD, FD_CLOEXEC) == 0 ? sv::kReportFd : -1;

  const pid_t self = ::getpid();
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    Report(report, sv::kSupervisorSetup);
    return 127;
  }
  const pid_t trial = ::fork();
  if (trial < 0) {
    Report(report, sv::kSupervisorSetup);
    return 127;
  }
  if (trial == 0) ExecTrial(argv + 1, report, self);
  // The executor sees EOF once the trial's copy closes at its exec.
  if (report >= 0) ::close(report);

  bool trial_done = false, killing = false;
  int trial_status = 0;
  for (;;) {
    // Reap whatever ended: the trial, or orphans reparented to us.
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(-1, &status, WNOHANG);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {  // ECHILD: nothing left below us
        if (trial_done) ExitLike(trial_status);
        break;
      }
      if (r == 0) break;
      if (r == trial) trial_done = true, trial_status = status;
    }
    // The trial is over, or it must end now: nothing below it may stay.
    if (trial_done || killing) {
      if (!trial_done) ::kill(trial, SIGKILL);
      for (pid_t p : Descendants()) ::kill(p, SIGKILL);
    }
    siginfo_t info{};
    timespec wait{0, kRescanNanos};
    const int sig = ::sigtimedwait(&handled, &info, trial_done || killing ? &wait : nullptr);
    if (sig == sv::kKillSignal) killing = true;
    if ((sig == SIGTERM || sig == SIGINT || sig == SIGHUP) && !trial_done) {
      ::kill(-trial, sig);
      ::kill(-trial, SIGCONT);  // a stopped trial must run to see it
    }
  }
}
