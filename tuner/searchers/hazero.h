// hazero: PaddleHub AutoDL's HAZero, i.e. CMA-ES (cmaes/cmaes.h) in the
// [-1, 1] coordinates of hazero_rounds.h, with IPOP restarts.
//
// The first run starts at the start point (ParamSpec::init, else the best
// warm-start observation, else the centre) with step size `sigma0` and
// population `popsize` (default 4 + ⌊3 ln d⌋). It suggests one generation at
// a time: Suggest returns at most the rest of the current generation and
// nothing while the generation is in flight; the generation is told back once
// all its trials have finished, failed ones with the generation's worst loss.
// When a run converges or stalls (Cmaes::ShouldStop) the next run starts at a
// uniform random point with sigma0 and twice the population (IPOP).
// Ints and categoricals are searched continuously and rounded by the unit-cube
// mapping. The state is rebuilt by replaying the history generation by
// generation; generation g's draws come from a stream of (seed, g).
#pragma once

#include <memory>

#include "tuner/searchers/searcher.h"

namespace autotune {

// Options: popsize (int >= 2, default 4 + ⌊3 ln d⌋), sigma0 (in (0, 2],
// default 0.2).
StatusOr<std::unique_ptr<Searcher>> MakeHazeroSearcher(const Options& options, const SearchSpace& space,
                                                       std::uint64_t seed);

}  // namespace autotune
