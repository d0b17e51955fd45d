// SegmentProcess: one running segment of the local executor, from a spawned
// child to its SegmentResult. It reads the child's stdout and stderr line by
// line, waits for the child to exit (pidfd, or polling where pidfd_open is not
// available), enforces the timeout and carries out cancellation (SIGTERM to
// the process group, `kill_signal` after the grace period). Internal to
// LocalProcessExecutor; single-threaded on its io_context like the executor.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuner/executor/executor.h"
#include "tuner/executor/protocol.h"
#include "tuner/executor/spawn.h"

namespace autotune {

class SegmentProcess : public std::enable_shared_from_this<SegmentProcess> {
 public:
  struct Config {
    double timeout_s = 0;       // 0 = none
    double kill_grace_s = 5;    // SIGTERM -> SIGKILL
    double pipe_grace_s = 1.5;  // after exit, how long to wait for the pipes' EOF
    std::size_t log_tail_lines = 200;
    std::size_t max_line_bytes = 64 * 1024;
    std::string checkpoint_dir;  // checked for COMPLETE at the end ("" = none)
    int log_fd = -1;             // receives all output verbatim; owned, closed at the end
    // Ends the child at once: SIGKILL, or for a supervised trial the
    // supervisor's kill request (it kills the trial's whole tree, then exits).
    int kill_signal = SIGKILL;
  };
  using MetricsFn = std::function<void(const MetricPoint&)>;
  using FinishFn = std::function<void(const SegmentResult&)>;

  // Takes ownership of the child (its pid and pipes). on_finish is called
  // exactly once, from a handler on io, when the child has exited and both
  // pipes are closed; never after Abandon().
  SegmentProcess(boost::asio::io_context& io, Config config, SpawnedProcess child, MetricsFn on_metrics,
                 FinishFn on_finish);
  ~SegmentProcess();
  SegmentProcess(const SegmentProcess&) = delete;
  SegmentProcess& operator=(const SegmentProcess&) = delete;

  // Starts reading, waiting and the timeout. Call once, right after construction.
  void Start();

  // Ends the segment early with `kind` (kTimedOut, kCancelled) and `error` as
  // its reason: SIGTERM to the process group, SIGKILL after kill_grace_s. The
  // first reason wins; a finished segment ignores it. Never calls on_finish
  // synchronously.
  void Terminate(SegmentResult::Kind kind, std::string error);

  // Sends kill_signal to the process group, reaps the child and drops the
  // callbacks; on_finish is not called. For the executor's destructor.
  void Abandon();

 private:
  struct Pipe {
    Pipe(boost::asio::io_context& io, int fd, bool is_stdout, std::size_t max_line, std::size_t buf);
    boost::asio::posix::stream_descriptor sd;
    bool is_stdout;
    bool open = true;
    LineSplitter lines;
    std::vector<char> buf;
  };

  void Read(Pipe& p);
  void OnLine(const Pipe& p, std::string_view line, bool truncated);
  void ClosePipe(Pipe& p);
  void WaitExit();
  void CheckExit();
  void OnExited();
  void StopWaitingForPipes();
  void MaybeFinish();
  SegmentResult BuildResult() const;
  void RecordProtocolError(std::string error);

  boost::asio::io_context& io_;
  Config config_;
  pid_t pid_;
  Pipe out_, err_;
  boost::asio::posix::stream_descriptor pidfd_;
  boost::asio::steady_timer poll_timer_, timeout_timer_, kill_timer_, pipe_timer_;
  LogTail tail_;
  MetricsFn on_metrics_;
  FinishFn on_finish_;

  bool exited_ = false;
  bool terminating_ = false;
  bool finished_ = false;
  int wait_status_ = 0;
  std::string wait_error_;  // set when waitpid failed: the exit status is unknown
  std::optional<SegmentResult::Kind> forced_kind_;
  std::string reason_;          // why it was terminated: "timed out after 2 s"
  std::string protocol_error_;  // the first bad AUTOTUNE line
};

}  // namespace autotune
