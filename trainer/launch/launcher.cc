#include "trainer/launch/launcher.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>

extern char** environ;

namespace autotune::trainer {
namespace {

sigset_t LauncherSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  return set;
}

// argv/envp as the char* arrays execve takes, built before fork: after fork
// in a multi-threaded process only async-signal-safe calls are allowed.
struct ExecArgs {
  std::vector<std::string> storage;
  std::vector<char*> pointers;
  char** get() { return pointers.data(); }
};

ExecArgs MakeArray(std::vector<std::string> items) {
  ExecArgs a;
  a.storage = std::move(items);
  for (std::string& s : a.storage) a.pointers.push_back(s.data());
  a.pointers.push_back(nullptr);
  return a;
}

std::vector<std::string> RankEnvironment(int rank, const LaunchOptions& o) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    bool ours = false;
    for (std::string_view name : {kRankEnv, kWorldSizeEnv, kPortEnv}) {
      ours = ours || (entry.size() > name.size() && entry.substr(0, name.size()) == name &&
                      entry[name.size()] == '=');
    }
    if (!ours) env.emplace_back(entry);
  }
  env.push_back(std::string(kRankEnv) + "=" + std::to_string(rank));
  env.push_back(std::string(kWorldSizeEnv) + "=" + std::to_string(o.nproc));
  env.push_back(std::string(kPortEnv) + "=" + std::to_string(o.port));
  return env;
}

std::string Describe(int status) {
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

int ExitCode(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

std::string SelfExecutable() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

void BlockLauncherSignals() {
  sigset_t set = LauncherSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int LaunchLocalRanks(const LaunchOptions& o, std::ostream& log) {
  // Signals are taken synchronously (sigtimedwait) by this thread only.
  BlockLauncherSignals();
  sigset_t set = LauncherSignals();
  ExecArgs argv = MakeArray(o.args);
  std::vector<ExecArgs> envs;
  for (int r = 0; r < o.nproc; ++r) envs.push_back(MakeArray(RankEnvironment(r, o)));

  const pid_t launcher = getpid();
  pid_t group = 0;
  std::vector<pid_t> pids;
  int result = 0;
  bool stopping = false;
  bool killed = false;
  auto deadline = std::chrono::steady_clock::now();
  const auto stop = [&](int signal) {
    if (group > 0) killpg(group, signal);
    stopping = true;
    deadline = std::chrono::steady_clock::now() + o.grace;
  };

  for (int r = 0; r < o.nproc; ++r) {
    const pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, group);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != launcher) _exit(127);  // the launcher died before prctl
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execve(o.program.c_str(), argv.get(), envs[static_cast<std::size_t>(r)].get());
      _exit(127);
    }
    if (pid < 0) {
      log << "autotune-trainer: cannot start rank " << r << ": " << std::strerror(errno) << std::endl;
      result = 1;
      stop(SIGKILL);
      break;
    }
    setpgid(pid, group);  // also here: whichever of parent and child runs first
    if (group == 0) group = pid;
    pids.push_back(pid);
  }

  std::size_t alive = pids.size();
  while (alive > 0) {
    int status = 0;
    pid_t pid;
    while (alive > 0 && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
      int rank = -1;
      for (std::size_t r = 0; r < pids.size(); ++r) {
        if (pids[r] == pid) rank = static_cast<int>(r);
      }
      if (rank < 0) continue;
      --alive;
      const int code = ExitCode(status);
      if (code == 0) continue;
      if (!stopping) {
        log << "autotune-trainer: rank " << rank << " " << Describe(status) << "; stopping the other "
            << alive << " rank(s)" << std::endl;
        result = code;
        stop(SIGTERM);
      } else if (result == 0) {
        result = code;
      }
    }
    if (alive == 0) break;
    timespec wait{1, 0};
    if (stopping) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::nanoseconds(0)) {
        if (!killed) {
          log << "autotune-trainer: " << alive << " rank(s) still running after SIGTERM; sending SIGKILL"
              << std::endl;
          killpg(group, SIGKILL);
          killed = true;
        }
      } else {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        wait = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      }
    }
    siginfo_t info;
    const int sig = sigtimedwait(&set, &info, &wait);
    if ((sig == SIGTERM || sig == SIGINT || sig == SIGHUP) && !stopping) {
      log << "autotune-trainer: received " << strsignal(sig) << "; stopping the ranks" << std::endl;
      result = 128 + sig;
      stop(sig);
    }
  }
  return result;
}

}  // namespace autotune::trainer
