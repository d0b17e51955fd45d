// Round-based searchers in PaddleHub AutoDL's coordinates, shared by `hazero`
// (CMA-ES generations) and `pshe2` (particle rounds).
//
// Coordinates: every parameter lives in [-1, 1], x = -1 + 2u for the unit-cube
// point u of SearchSpace::Encode (so log params are log-scaled, ints are
// widened by half a step, categoricals take equal slices).
//
// Rounds: round r is a fixed set of points asked from the algorithm; its trials
// are the next RoundSize numbers of the study after round r - 1's. A round is
// told back in one piece, once all its trials have finished; failed trials (and
// finished ones without a loss) get the worst loss of their round. While a
// round has unsuggested points, Suggest hands them out (at most n); once all
// are suggested and some are still in flight it returns nothing. The algorithm
// state is rebuilt on every call by replaying the history round by round, so a
// restarted coordinator continues exactly where it stopped.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tuner/core/rng.h"
#include "tuner/searchers/searcher.h"

namespace autotune::rounds {

// The random stream of one round: SplitMix64 started at a hash of (seed,
// stream). Replaying a long history builds one per round, and this costs
// nanoseconds where seeding a std::mt19937_64 through a seed_seq costs tens of
// microseconds.
class RoundRng {
 public:
  using result_type = std::uint64_t;
  RoundRng(std::uint64_t seed, std::uint64_t stream) : state_(Mix64(seed) ^ Mix64(~stream)) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    const result_type out = Mix64(state_);
    state_ += 0x9e3779b97f4a7c15ULL;
    return out;
  }

 private:
  std::uint64_t state_;
};

using Point = std::vector<double>;  // in [-1, 1]^d

// An algorithm driven round by round. Implementations are deterministic: Ask
// depends only on the state built by earlier Tells and the round index.
class RoundAlgorithm {
 public:
  virtual ~RoundAlgorithm() = default;
  // The points of round `round` (given that rounds 0 .. round-1 were told).
  virtual std::vector<Point> Ask(int round) = 0;
  // The points actually evaluated in that round and their losses.
  virtual void Tell(int round, const std::vector<Point>& points, const std::vector<double>& losses) = 0;
};

// Replays `history` through a fresh `algorithm` and returns the next up to n
// param sets of the current round (see above).
std::vector<Params> SuggestByRounds(RoundAlgorithm& algorithm, const SearchSpace& space,
                                    const History& history, int n);

Point ToCoords(const SearchSpace& space, const Params& params);
Params FromCoords(const SearchSpace& space, const Point& x);

// The start point: each parameter's ParamSpec::init where given; else the best
// warm-start observation's value (History::prior) if there is one; else the
// centre (0).
Point StartPoint(const SearchSpace& space, const History& history);

}  // namespace autotune::rounds
