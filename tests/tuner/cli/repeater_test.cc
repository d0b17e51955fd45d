// Regression (issue 12, item 6): `autotune run` sometimes never exited after
// its study completed, because the progress ticker's handler, already queued
// when the study ended, re-armed the timer after it was cancelled.
#include "tuner/cli/repeater.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <thread>

namespace autotune {
namespace {

TEST(RepeaterTest, AStopWithATickAlreadyQueuedLeavesNothingArmed) {
  boost::asio::io_context io;
  int ticks = 0;
  Repeater r(io, std::chrono::milliseconds(0), [&] { ++ticks; });
  r.Start();
  // Let the zero-period timer expire so its completion is queued, then stop
  // from a handler that runs before that completion.
  io.run_one();  // the first tick; it re-arms a timer that is due at once
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  boost::asio::post(io, [&] { r.Stop(); });
  io.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(io.stopped()) << "work is still armed after Stop(): io.run() would never return";
  const int after = ticks;
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(ticks, after);
}

TEST(RepeaterTest, TicksUntilStopped) {
  boost::asio::io_context io;
  int ticks = 0;
  Repeater r(io, std::chrono::milliseconds(1), [&] {
    if (++ticks == 3) r.Stop();
  });
  r.Start();
  io.run();
  EXPECT_EQ(ticks, 3);
}

}  // namespace
}  // namespace autotune
