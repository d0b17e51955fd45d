// Regression: DescendantsTest failed about once in 200 runs under TSan. A
// killed process passes through state X (being reaped) after Z and before it
// is gone, and RunUntil asked its predicate once more after the loop had seen
// it hold: Z (dead) ended the wait, X (not yet counted as dead) was returned.
#include "tests/tuner/executor/test_util.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace autotune::testing {
namespace {

TEST(StatSaysDeadTest, GoneZombieAndReapedAreDeadRunningAndSleepingAreNot) {
  EXPECT_TRUE(StatSaysDead(""));
  EXPECT_TRUE(StatSaysDead("804 (sleep) Z 796 804 804 0 -1 4228108"));
  EXPECT_TRUE(StatSaysDead("804 (sleep) X 796 804 804 0 -1 4228108"));
  EXPECT_FALSE(StatSaysDead("804 (sleep) S 796 804 804 0 -1 4194304"));
  EXPECT_FALSE(StatSaysDead("804 (sleep) R 796 804 804 0 -1 4194304"));
  // comm may hold spaces and parentheses; the state follows the last ')'.
  EXPECT_TRUE(StatSaysDead("9 (a) S (b)) Z 1 9 9"));
  EXPECT_FALSE(StatSaysDead("9 (a) Z (b)) S 1 9 9"));
  EXPECT_FALSE(StatSaysDead("9 (trunc"));
}

TEST(RunUntilTest, KeepsTheAnswerThatEndedTheWait) {
  boost::asio::io_context io;
  int asked = 0;
  // Holds once, then no longer (as a process read as Z, then as X, did).
  EXPECT_TRUE(RunUntil(
      io, [&] { return ++asked == 2; }, std::chrono::milliseconds(2000)));
  EXPECT_EQ(asked, 2);
}

TEST(RunUntilTest, GivesUpAtTheLimit) {
  boost::asio::io_context io;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(RunUntil(
      io, [] { return false; }, std::chrono::milliseconds(100)));
  EXPECT_GE(SecondsSince(t0), 0.1);
}

}  // namespace
}  // namespace autotune::testing
