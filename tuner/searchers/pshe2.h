// pshe2: PaddleHub AutoDL's PSHE2 particle search, in the [-1, 1] coordinates
// and round structure of hazero_rounds.h (a round is told back whole).
//
// The exact rule. Parameters: P = `popsize` particles (default 5), α = `alpha`
// (default 0.5), ε = `epsilon` (default 0.2); s is the start point
// (ParamSpec::init, else the best warm-start observation, else the centre).
//   push(x, e): for every coordinate draw r ~ U(-1, 1);
//               x += e·r·(1 - x) if r >= 0, else x += e·r·(x + 1)
//               (so a point of [-1, 1] stays in [-1, 1]).
//   round 0:    x_i = push(s, 1), m_i = 0 for i = 1..P.
//   after each round: pbest_i = the best point particle i has evaluated,
//               gbest = the best point any particle has evaluated (smallest
//               loss; ties keep the earlier one).
//   round k >= 1, for each particle i with its own momentum m_i:
//               m_i ← (1 - 3α/k)·m_i - α(x_i - pbest_i) - α(x_i - gbest)
//               x_i ← clip(x_i + α·m_i, -1, 1)
//               x_i ← push(x_i, ε)
// PaddleHub's implementation kept one momentum shared by all particles by
// accident; here each particle has its own. Draws of round k come from a
// stream of (seed, k), particle by particle, coordinate by coordinate.
#pragma once

#include <memory>

#include "tuner/searchers/searcher.h"

namespace autotune {

// Options: popsize (int >= 1, default 5), alpha (in [0, 2], default 0.5),
// epsilon (in [0, 1], default 0.2).
StatusOr<std::unique_ptr<Searcher>> MakePshe2Searcher(const Options& options, const SearchSpace& space,
                                                      std::uint64_t seed);

}  // namespace autotune
