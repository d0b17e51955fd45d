// Helpers for the executor tests: a temporary folder, trial programs written
// as /bin/sh scripts (only the tests use a shell; the executor never does),
// and running the io_context until a condition holds.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tuner/executor/executor.h"

namespace autotune::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "executor-test-XXXXXX").string();
    path_ = ::mkdtemp(templ.data()) ? templ : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes an executable /bin/sh script and returns its path.
inline std::string WriteScript(const TempDir& dir, const std::string& name, const std::string& body,
                               mode_t mode = 0755) {
  std::string path = dir / name;
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), mode);
  return path;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything one segment reported.
struct Outcome {
  std::vector<MetricPoint> metrics;
  bool metrics_after_done = false;
  int done_calls = 0;
  SegmentResult result;
  bool done() const { return done_calls > 0; }
};

inline Status LaunchInto(Executor& exec, const SegmentTask& task, Outcome* out) {
  return exec.Launch(
      task,
      [out](const MetricPoint& p) {
        if (out->done_calls > 0) out->metrics_after_done = true;
        out->metrics.push_back(p);
      },
      [out](const SegmentResult& r) {
        ++out->done_calls;
        out->result = r;
      });
}

// Runs io's handlers until pred() holds or `limit` passes; returns whether it
// held. pred() is asked once per round and its answer kept: asking again after
// the loop could see a different state (see IsDead).
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& pred,
                     std::chrono::milliseconds limit = std::chrono::milliseconds(20000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    if (io.run_one_for(std::chrono::milliseconds(50)) == 0) {
      ::usleep(1000);  // no work queued yet: do not spin
    }
  }
}

// True when pid is gone, a zombie waiting for its (new) parent to reap it, or
// being reaped: between Z and gone, /proc shows a reaped process as X.
// StatSaysDead takes the text of /proc/PID/stat ("pid (comm) state ...").
inline bool StatSaysDead(const std::string& stat) {
  if (stat.empty()) return true;
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  const char state = stat[paren + 2];
  return state == 'Z' || state == 'X' || state == 'x';
}
inline bool IsDead(pid_t pid) { return StatSaysDead(ReadFile("/proc/" + std::to_string(pid) + "/stat")); }

inline double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace autotune::testing
