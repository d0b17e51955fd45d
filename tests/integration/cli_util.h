// Helpers for tests that run the real `autotune` binary.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <cstdio>

#include <gtest/gtest.h>

namespace autotune::testing {

inline std::string AutotuneBinary() { return std::string(AUTOTUNE_BINARY_DIR) + "/tuner/autotune"; }
inline std::string SourceDir() { return AUTOTUNE_SOURCE_DIR; }

inline std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::filesystem::path& p, const std::string& text, bool executable = false) {
  std::ofstream(p) << text;
  if (executable) std::filesystem::permissions(p, std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
}

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `autotune args...` in dir through /bin/sh (test-only convenience),
// capturing stdout and stderr.
inline CommandResult RunAutotune(const std::filesystem::path& dir, const std::string& args) {
  auto out = dir / "stdout.txt", err = dir / "stderr.txt";
  std::string cmd = "cd '" + dir.string() + "' && '" + AutotuneBinary() + "' " + args + " >'" + out.string() +
                    "' 2>'" + err.string() + "' </dev/null";
  int rc = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = ReadAll(out);
  r.err = ReadAll(err);
  return r;
}

// Starts `autotune args...` in dir in the background (stdout/stderr to
// out.txt/err.txt there, or to files named by the caller); returns its pid.
inline pid_t StartAutotune(const std::filesystem::path& dir, const std::vector<std::string>& args,
                           const std::string& out = "bg-out.txt", const std::string& err = "bg-err.txt") {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (::chdir(dir.c_str()) != 0) ::_exit(126);
  if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr)) ::_exit(126);
  std::vector<char*> argv;
  std::string bin = AutotuneBinary();
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(bin.c_str(), argv.data());
  ::_exit(127);
}

// Waits for a child; its exit status, or 128 + signal.
inline int WaitExit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Polls until pred() or the deadline; returns pred().
template <typename Pred>
bool WaitFor(Pred pred, double seconds = 60) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A fresh temporary folder per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("autotune-it-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

}  // namespace autotune::testing
