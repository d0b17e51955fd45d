// Helpers for tests that run `autotune serve`: start it on a free loopback
// port, read its URL, signal it, and poll its REST API.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/cli_util.h"
#include "web/client.h"

namespace autotune::testing {

// A running `autotune serve --db <dir>/s.db --port 0 <extra...>`.
class ServeProcess {
 public:
  ServeProcess(const std::filesystem::path& dir, std::vector<std::string> extra = {}) : dir_(dir) {
    log_ = dir / ("serve-" + std::to_string(++starts_) + ".log");
    out_ = dir / ("serve-" + std::to_string(starts_) + ".out");
    pid_ = ::fork();
    if (pid_ == 0) {
      if (::chdir(dir.c_str()) != 0) ::_exit(126);
      if (!::freopen(out_.c_str(), "w", stdout) || !::freopen(log_.c_str(), "w", stderr)) ::_exit(126);
      std::vector<std::string> args = {"autotune", "serve", "--db", "s.db", "--port", "0"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(AutotuneBinary().c_str(), argv.data());
      ::_exit(127);
    }
    // The URL line comes once it listens (and has resumed its studies).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && running()) {
      const std::string out = ReadAll(out_);
      const auto at = out.find("http://");
      if (at != std::string::npos && out.find(' ', at) != std::string::npos) {
        url_ = out.substr(at, out.find(' ', at) - at);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ServeProcess() {
    if (pid_ > 0 && running()) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
  }

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  std::string log() const { return ReadAll(log_); }
  bool running() {
    if (exited_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      status_ = status;
      return false;
    }
    return true;
  }
  // Sends sig and waits (up to limit_s) for the process to end; its status.
  int Signal(int sig, double limit_s = 60) {
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
    while (running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (running()) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
    return status_;
  }

  web::ServerUrl address() const { return *web::ParseServerUrl(url_); }

 private:
  void Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    status_ = status;
  }

  std::filesystem::path dir_, log_, out_;
  pid_t pid_ = -1;
  std::string url_;
  bool exited_ = false;
  int status_ = 0;
  static inline int starts_ = 0;
};

// GET target as JSON ({} when it fails).
inline nlohmann::json GetJson(web::HttpClient& client, const std::string& target) {
  auto r = client.Get(target);
  if (!r.ok() || r->status != 200) return nlohmann::json::object();
  return nlohmann::json::parse(r->body, nullptr, false);
}

// Polls a study until its state is `state` (or limit_s passes).
inline bool WaitForStudyState(web::HttpClient& client, std::int64_t id, const std::string& state,
                              double limit_s = 120) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (std::chrono::steady_clock::now() < deadline) {
    auto j = GetJson(client, "/api/v1/studies/" + std::to_string(id));
    if (j.value("state", "") == state) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace autotune::testing
