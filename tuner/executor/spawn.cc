#include "tuner/executor/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tuner/executor/supervisor.h"

extern char** environ;

namespace autotune {
namespace {

using supervisor::ChildFailure;

const char* StageName(int stage) {
  switch (stage) {
    case supervisor::kSetpgid:
      return "setpgid";
    case supervisor::kDup2:
      return "dup2";
    case supervisor::kSupervisorSetup:
      return "the supervisor's setup";
    default:
      return "exec";
  }
}

// Closes a descriptor if it is open.
void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Moves a descriptor to a number >= 3, so the child's dup2 onto 0..2 cannot
// clobber it (possible when the parent runs with stdio closed).
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

// What the child needs, built before fork: it may not allocate.
struct ChildPlan {
  char* const* argv;
  char* const* envp;
  int devnull, out_w, err_w, report_w;
  bool supervised;  // argv[0] is the supervisor: hand it report_w as fd 3, tie it to our death
  pid_t parent;
};

// Only async-signal-safe calls from here on: the child of a possibly
// multi-threaded parent. Never returns.
[[noreturn]] void RunChild(const ChildPlan& plan) {
  const int report_w = plan.report_w;
  auto fail = [report_w](int stage) {
    ChildFailure f{stage, errno};
    ssize_t ignored = ::write(report_w, &f, sizeof f);
    (void)ignored;
    ::_exit(127);
  };
  if (::setpgid(0, 0) != 0) fail(supervisor::kSetpgid);
  if (plan.supervised) {
    // The supervisor learns of our death (this thread's, in fact) and ends
    // the trial; if we are already gone, nobody would ever stop it.
    ::prctl(PR_SET_PDEATHSIG, supervisor::kKillSignal);
    if (::getppid() != plan.parent) ::_exit(127);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) ::sigaction(s, &dfl, nullptr);  // EINVAL for reserved ones
  }
  if (::dup2(plan.devnull, 0) < 0 || ::dup2(plan.out_w, 1) < 0 || ::dup2(plan.err_w, 2) < 0) {
    fail(supervisor::kDup2);
  }
  int first_closed = 3;
  if (plan.supervised) {
    // The report pipe stays open across exec as fd 3: the supervisor reports
    // the trial's launch through it.
    if (report_w == supervisor::kReportFd) {
      if (::fcntl(report_w, F_SETFD, 0) != 0) fail(supervisor::kDup2);
    } else if (::dup2(report_w, supervisor::kReportFd) < 0) {
      fail(supervisor::kDup2);
    }
    first_closed = supervisor::kReportFd + 1;
  }
  // Every other inherited descriptor (including ones a library opened without
  // O_CLOEXEC) closes at exec; the report pipe already has O_CLOEXEC.
  if (::syscall(SYS_close_range, static_cast<unsigned>(first_closed), ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = first_closed; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  ::execve(plan.argv[0], plan.argv, plan.envp);
  fail(plan.supervised ? supervisor::kSupervisorExec : supervisor::kExec);
  ::_exit(127);  // not reached
}

}  // namespace

std::vector<std::string> BuildEnvironment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    vars.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  for (const auto& [name, value] : overrides) vars[name] = value;
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
  return out;
}

StatusOr<SpawnedProcess> SpawnProcess(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& env,
                                      const std::string& supervisor_path) {
  if (argv.empty() || argv[0].empty()) return Status::InvalidArgument("empty command");
  const std::string quoted = "\"" + argv[0] + "\"";

  // Everything the child needs is built before fork: it may not allocate.
  std::vector<char*> cargv, cenv;
  if (!supervisor_path.empty()) cargv.push_back(const_cast<char*>(supervisor_path.c_str()));
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  auto close_all = [&] {
    for (int* fd : {&devnull, &out[0], &out[1], &err[0], &err[1], &report[0], &report[1]}) {
      CloseFd(*fd);
    }
  };
  if (devnull < 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(report, O_CLOEXEC) != 0) {
    std::string why = std::strerror(errno);
    close_all();
    return Status::Internal("cannot start " + quoted + ": cannot create pipes: " + why);
  }
  for (int* fd : {&devnull, &out[0], &out[1], &err[0], &err[1], &report[0], &report[1]}) {
    *fd = AboveStdio(*fd);
  }

  const ChildPlan plan{
      cargv.data(), cenv.data(), devnull, out[1], err[1], report[1], !supervisor_path.empty(), ::getpid()};
  pid_t pid = ::fork();
  if (pid < 0) {
    std::string why = std::strerror(errno);
    close_all();
    return Status::Internal("cannot start " + quoted + ": fork failed: " + why);
  }
  if (pid == 0) RunChild(plan);

  CloseFd(devnull);
  CloseFd(out[1]);
  CloseFd(err[1]);
  CloseFd(report[1]);
  // The report pipe reaches EOF at a successful exec (O_CLOEXEC; supervised:
  // at the trial program's exec) or carries the reason the child gave up.
  ChildFailure failure{};
  std::size_t got = 0;
  while (got < sizeof failure) {
    ssize_t n = ::read(report[0], reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  CloseFd(report[0]);
  if (got == 0) return SpawnedProcess{pid, out[0], err[0]};

  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  close_all();
  if (got < sizeof failure) return Status::Internal("cannot start " + quoted + ": child failed");
  std::string why = std::strerror(failure.err);
  if (failure.stage == supervisor::kExec)
    return Status::InvalidArgument("cannot execute " + quoted + ": " + why);
  if (failure.stage == supervisor::kSupervisorExec)
    return Status::Internal("cannot start the trial supervisor \"" + supervisor_path + "\": " + why);
  return Status::Internal("cannot start " + quoted + ": " + StageName(failure.stage) + " failed: " + why);
}

}  // namespace autotune
