// Status/StatusOr, the state enums' names, and the seeded random streams.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "tuner/core/rng.h"
#include "tuner/core/status.h"
#include "tuner/core/trial.h"

namespace autotune {
namespace {

TEST(StatusTest, OkAndErrorsRenderWithTheirField) {
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  Status s = Status::InvalidArgument("must be > 0 for a log scale", "space.lr.low");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "space.lr.low");
  EXPECT_EQ(s.ToString(), "space.lr.low: must be > 0 for a log scale");
  EXPECT_EQ(Status::NotFound("no study 'x'").ToString(), "no study 'x'");
  EXPECT_EQ(Status::Unavailable("busy").code(), Status::Code::kUnavailable);
  EXPECT_EQ(Status::FailedPrecondition("spec differs").code(), Status::Code::kFailedPrecondition);
}

StatusOr<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd", "x");
  return x / 2;
}

Status Quarter(int x, int* out) {
  AT_ASSIGN_OR_RETURN(int h, Half(x));
  AT_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST(StatusOrTest, HoldsAValueOrAnError) {
  auto ok = Half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok.status().ok());
  EXPECT_EQ(*ok, 4);
  auto bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "x");
}

TEST(StatusOrTest, MacrosPropagateTheFirstError) {
  int out = -1;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  out = -1;
  EXPECT_EQ(Quarter(6, &out).message(), "odd");  // 6 / 2 = 3 is odd
  EXPECT_EQ(out, -1);
  auto chain = [](int x) -> Status {
    AT_RETURN_IF_ERROR(Half(x).status());
    return Status::Internal("reached");
  };
  EXPECT_EQ(chain(1).message(), "odd");
  EXPECT_EQ(chain(2).message(), "reached");
}

TEST(TrialStateTest, NamesRoundTrip) {
  for (TrialState s : {TrialState::kPending, TrialState::kRunning, TrialState::kPaused,
                       TrialState::kCompleted, TrialState::kPruned, TrialState::kFailed}) {
    TrialState back = TrialState::kPending;
    ASSERT_TRUE(ParseTrialState(ToString(s), &back)) << ToString(s);
    EXPECT_EQ(back, s);
  }
  EXPECT_STREQ(ToString(TrialState::kCompleted), "completed");
  EXPECT_STREQ(ToString(SegmentState::kCancelled), "cancelled");
  EXPECT_STREQ(ToString(StudyState::kStopped), "stopped");
  for (SegmentState s :
       {SegmentState::kRunning, SegmentState::kCompleted, SegmentState::kFailed, SegmentState::kCancelled}) {
    SegmentState back = SegmentState::kRunning;
    ASSERT_TRUE(ParseSegmentState(ToString(s), &back));
    EXPECT_EQ(back, s);
  }
  for (StudyState s :
       {StudyState::kRunning, StudyState::kCompleted, StudyState::kFailed, StudyState::kStopped}) {
    StudyState back = StudyState::kRunning;
    ASSERT_TRUE(ParseStudyState(ToString(s), &back));
    EXPECT_EQ(back, s);
  }
  TrialState t = TrialState::kRunning;
  EXPECT_FALSE(ParseTrialState("Completed", &t));
  EXPECT_FALSE(ParseTrialState("", &t));
  EXPECT_EQ(t, TrialState::kRunning);
}

TEST(TrialStateTest, OnlyCompletedPrunedAndFailedAreFinished) {
  EXPECT_FALSE(IsFinished(TrialState::kPending));
  EXPECT_FALSE(IsFinished(TrialState::kRunning));
  EXPECT_FALSE(IsFinished(TrialState::kPaused));
  EXPECT_TRUE(IsFinished(TrialState::kCompleted));
  EXPECT_TRUE(IsFinished(TrialState::kPruned));
  EXPECT_TRUE(IsFinished(TrialState::kFailed));
}

TEST(StreamRngTest, SameSeedAndStreamGiveTheSameSequence) {
  auto a = StreamRng(7, 3), b = StreamRng(7, 3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a(), b());
}

TEST(StreamRngTest, DifferentSeedsOrStreamsGiveDifferentSequences) {
  std::set<std::uint64_t> firsts;
  for (std::uint64_t seed = 0; seed < 20; ++seed)
    for (std::uint64_t stream = 0; stream < 20; ++stream) firsts.insert(StreamRng(seed, stream)());
  EXPECT_EQ(firsts.size(), 400u);
  // Swapping seed and stream is not the same stream.
  EXPECT_NE(StreamRng(1, 2)(), StreamRng(2, 1)());
}

TEST(SeedSeq4Test, GeneratesExactlyWhatStdSeedSeqDoesForEveryLength) {
  std::mt19937 words_rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    const std::uint32_t w[4] = {static_cast<std::uint32_t>(words_rng()), static_cast<std::uint32_t>(words_rng()),
                                static_cast<std::uint32_t>(words_rng()), static_cast<std::uint32_t>(words_rng())};
    std::seed_seq reference{w[0], w[1], w[2], w[3]};
    SeedSeq4 fast(w);
    for (std::size_t n : {0, 1, 2, 3, 4, 5, 6, 7, 8, 38, 39, 40, 67, 68, 69, 100, 622, 623, 624, 700}) {
      std::vector<std::uint32_t> a(n), b(n);
      reference.generate(a.begin(), a.end());
      fast.generate(b.begin(), b.end());
      ASSERT_EQ(a, b) << "n = " << n;
    }
  }
}

TEST(StreamRngTest, IsTheEngineStdSeedSeqWouldSeed) {
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xdeadbeefcafeULL}) {
    for (std::uint64_t stream = 0; stream < 50; ++stream) {
      std::seed_seq seq{static_cast<std::uint32_t>(Mix64(seed)), static_cast<std::uint32_t>(Mix64(seed) >> 32),
                        static_cast<std::uint32_t>(Mix64(stream ^ 0xa5a5a5a5ULL)),
                        static_cast<std::uint32_t>(Mix64(stream) >> 32)};
      std::mt19937_64 reference(seq);
      auto fast = StreamRng(seed, stream);
      for (int i = 0; i < 5; ++i) ASSERT_EQ(fast(), reference());
    }
  }
}

TEST(Mix64Test, IsABijectionOnSmallInputsAndMixesBits) {
  std::set<std::uint64_t> out;
  for (std::uint64_t x = 0; x < 1000; ++x) out.insert(Mix64(x));
  EXPECT_EQ(out.size(), 1000u);
  // Flipping one input bit flips about half of the output bits.
  int flipped = 0;
  for (int bit = 0; bit < 64; ++bit)
    flipped += __builtin_popcountll(Mix64(12345) ^ Mix64(12345 ^ (1ULL << bit)));
  EXPECT_GT(flipped, 64 * 24);
  EXPECT_LT(flipped, 64 * 40);
}

}  // namespace
}  // namespace autotune
