// Repeater: calls a function every period on an io_context until Stop().
// After Stop() the function is not called again and no wait stays armed,
// even when a timer completion was already queued behind the call to Stop()
// (cancelling a timer does not recall a completion that is already queued:
// a loop that re-arms from such a handler keeps io_context::run() from ever
// returning). Single-threaded on its io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

namespace autotune {

class Repeater {
 public:
  Repeater(boost::asio::io_context& io, std::chrono::milliseconds period, std::function<void()> fn)
      : timer_(io), period_(period), fn_(std::move(fn)) {}
  void Start() {
    stopped_ = false;
    Arm();
  }
  void Stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  void Arm() {
    timer_.expires_after(period_);
    timer_.async_wait([this](const boost::system::error_code& e) {
      if (e || stopped_) return;
      fn_();
      if (!stopped_) Arm();
    });
  }

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds period_;
  std::function<void()> fn_;
  bool stopped_ = true;
};

}  // namespace autotune
