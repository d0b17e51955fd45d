#include "tuner/executor/segment_process.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <system_error>

namespace autotune {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr auto kPollInterval = std::chrono::milliseconds(20);

// A duration from seconds, clamped to [0, ~30 years] so absurd values cannot
// overflow the clock.
std::chrono::steady_clock::duration Seconds(double s) {
  s = std::clamp(s, 0.0, 1e9);
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

// Writes all of data to fd; gives up silently on errors (the log file is a
// convenience copy and must not fail the segment).
void WriteAll(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

SegmentProcess::Pipe::Pipe(asio::io_context& io, int fd, bool stdout_pipe, std::size_t max_line,
                           std::size_t buf_bytes)
    : sd(io), is_stdout(stdout_pipe), lines(max_line), buf(buf_bytes) {
  error_code ec;
  sd.assign(fd, ec);
  if (ec) {
    ::close(fd);
    open = false;
  }
}

SegmentProcess::SegmentProcess(asio::io_context& io, Config config, SpawnedProcess child,
                               MetricsFn on_metrics, FinishFn on_finish)
    : io_(io),
      config_(std::move(config)),
      pid_(child.pid),
      out_(io, child.stdout_fd, true, config_.max_line_bytes, kReadBufferBytes),
      err_(io, child.stderr_fd, false, config_.max_line_bytes, kReadBufferBytes),
      pidfd_(io),
      poll_timer_(io),
      timeout_timer_(io),
      kill_timer_(io),
      pipe_timer_(io),
      tail_(config_.log_tail_lines),
      on_metrics_(std::move(on_metrics)),
      on_finish_(std::move(on_finish)) {
  // pidfd_open (Linux >= 5.3) makes the exit an event on the reactor; without
  // it the child is polled with waitpid(WNOHANG).
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (fd >= 0) {
    error_code ec;
    pidfd_.assign(fd, ec);
    if (ec) ::close(fd);
  }
}

SegmentProcess::~SegmentProcess() {
  if (!finished_) Abandon();
  if (config_.log_fd >= 0) ::close(config_.log_fd);
}

void SegmentProcess::Start() {
  if (out_.open) Read(out_);
  if (err_.open) Read(err_);
  WaitExit();
  if (config_.timeout_s > 0) {
    timeout_timer_.expires_after(Seconds(config_.timeout_s));
    timeout_timer_.async_wait([this, self = shared_from_this()](const error_code& ec) {
      if (ec || finished_ || exited_) return;
      char buf[64];
      std::snprintf(buf, sizeof buf, "timed out after %g s", config_.timeout_s);
      Terminate(SegmentResult::Kind::kTimedOut, buf);
    });
  }
  MaybeFinish();  // both pipes may have failed to register
}

void SegmentProcess::Read(Pipe& p) {
  p.sd.async_read_some(
      asio::buffer(p.buf), [this, self = shared_from_this(), &p](const error_code& ec, std::size_t n) {
        if (finished_ || !p.open) {
          MaybeFinish();
          return;
        }
        if (n > 0) {
          if (config_.log_fd >= 0) WriteAll(config_.log_fd, p.buf.data(), n);
          p.lines.Feed(std::string_view(p.buf.data(), n),
                       [this, &p](std::string_view line, bool truncated) { OnLine(p, line, truncated); });
        }
        if (ec) {
          ClosePipe(p);  // EOF, or an error that ends the stream
          MaybeFinish();
          return;
        }
        Read(p);
      });
}

void SegmentProcess::OnLine(const Pipe& p, std::string_view line, bool truncated) {
  if (p.is_stdout) {
    ProtocolLine parsed = ParseStdoutLine(line);
    if (parsed.kind != ProtocolLine::Kind::kLog && truncated) {
      RecordProtocolError("bad AUTOTUNE line: longer than " + std::to_string(config_.max_line_bytes) +
                          " bytes");
      return;
    }
    if (parsed.kind == ProtocolLine::Kind::kInvalid) {
      RecordProtocolError(std::move(parsed.error));
      return;
    }
    if (parsed.kind == ProtocolLine::Kind::kMetrics) {
      if (!on_metrics_) return;
      try {
        on_metrics_(parsed.point);
      } catch (const std::exception& e) {
        RecordProtocolError(std::string("metrics callback failed: ") + e.what());
      } catch (...) {
        RecordProtocolError("metrics callback failed");
      }
      return;
    }
  }
  if (truncated) {
    tail_.Add(std::string(line) + " [truncated]");
  } else {
    tail_.Add(line);
  }
}

void SegmentProcess::RecordProtocolError(std::string error) {
  if (protocol_error_.empty()) protocol_error_ = std::move(error);
}

void SegmentProcess::ClosePipe(Pipe& p) {
  if (!p.open) return;
  p.open = false;
  p.lines.Finish([this, &p](std::string_view line, bool truncated) { OnLine(p, line, truncated); });
  error_code ignored;
  p.sd.close(ignored);
}

void SegmentProcess::WaitExit() {
  auto self = shared_from_this();
  if (pidfd_.is_open()) {
    pidfd_.async_wait(asio::posix::descriptor_base::wait_read, [this, self](const error_code& ec) {
      if (finished_ || ec == asio::error::operation_aborted) return;
      if (ec) {  // the pidfd broke: fall back to polling
        error_code ignored;
        pidfd_.close(ignored);
      }
      CheckExit();
    });
    return;
  }
  poll_timer_.expires_after(kPollInterval);
  poll_timer_.async_wait([this, self](const error_code& ec) {
    if (finished_ || ec) return;
    CheckExit();
  });
}

void SegmentProcess::CheckExit() {
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0 || (r < 0 && errno == EINTR)) {
    WaitExit();
    return;
  }
  if (r == pid_) {
    wait_status_ = status;
  } else {
    wait_error_ = std::string("lost track of the process: waitpid: ") + std::strerror(errno);
  }
  OnExited();
}

void SegmentProcess::OnExited() {
  exited_ = true;
  timeout_timer_.cancel();
  kill_timer_.cancel();
  error_code ignored;
  pidfd_.close(ignored);
  if (out_.open || err_.open) {
    // Something the child started may still hold the pipes: give the last
    // output a moment to arrive, then stop waiting and kill the stragglers.
    pipe_timer_.expires_after(Seconds(config_.pipe_grace_s));
    pipe_timer_.async_wait([this, self = shared_from_this()](const error_code& ec) {
      if (ec || finished_) return;
      StopWaitingForPipes();
    });
  }
  MaybeFinish();
}

void SegmentProcess::StopWaitingForPipes() {
  ::killpg(pid_, SIGKILL);  // the group outlives its reaped leader only through stragglers
  ClosePipe(out_);
  ClosePipe(err_);
  MaybeFinish();
}

void SegmentProcess::Terminate(SegmentResult::Kind kind, std::string error) {
  if (finished_ || terminating_) return;
  terminating_ = true;
  forced_kind_ = kind;
  reason_ = std::move(error);
  timeout_timer_.cancel();
  if (exited_) {
    // Only the pipes are left; close them from a handler, not from the caller's stack.
    asio::post(io_, [this, self = shared_from_this()] {
      if (!finished_) StopWaitingForPipes();
    });
    return;
  }
  ::killpg(pid_, SIGTERM);
  ::killpg(pid_, SIGCONT);  // a stopped process must run to see the SIGTERM
  kill_timer_.expires_after(Seconds(config_.kill_grace_s));
  kill_timer_.async_wait([this, self = shared_from_this()](const error_code& ec) {
    if (ec || finished_ || exited_) return;
    ::killpg(pid_, config_.kill_signal);
  });
}

void SegmentProcess::MaybeFinish() {
  if (finished_ || !exited_ || out_.open || err_.open) return;
  finished_ = true;
  pipe_timer_.cancel();
  poll_timer_.cancel();
  SegmentResult result = BuildResult();
  FinishFn done = std::move(on_finish_);
  on_finish_ = nullptr;
  on_metrics_ = nullptr;
  if (done) done(result);
}

SegmentResult SegmentProcess::BuildResult() const {
  SegmentResult r;
  if (!wait_error_.empty()) {
    r.exit_code = -1;
  } else if (WIFSIGNALED(wait_status_)) {
    r.kind = SegmentResult::Kind::kSignaled;
    r.exit_code = WTERMSIG(wait_status_);
  } else {
    r.exit_code = WEXITSTATUS(wait_status_);
  }
  if (forced_kind_) r.kind = *forced_kind_;
  for (const std::string* e : {&reason_, &wait_error_, &protocol_error_}) {
    if (e->empty()) continue;
    if (!r.error.empty()) r.error += "; ";
    r.error += *e;
  }
  r.log_tail = tail_.Text();
  if (!config_.checkpoint_dir.empty()) {
    std::error_code ec;
    r.checkpoint_complete =
        std::filesystem::exists(std::filesystem::path(config_.checkpoint_dir) / "COMPLETE", ec);
  }
  return r;
}

void SegmentProcess::Abandon() {
  if (finished_) return;
  finished_ = true;
  on_finish_ = nullptr;
  on_metrics_ = nullptr;
  ::killpg(pid_, config_.kill_signal);
  if (!exited_) {
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    exited_ = true;
  }
  error_code ignored;
  out_.open = err_.open = false;
  out_.sd.close(ignored);
  err_.sd.close(ignored);
  pidfd_.close(ignored);
  for (auto* t : {&poll_timer_, &timeout_timer_, &kill_timer_, &pipe_timer_}) t->cancel();
}

}  // namespace autotune
