// grid: the cartesian product of every parameter's grid values, each point
// suggested exactly once, in a seeded shuffled order (so a study cut short by
// max_trials still covers the space evenly). Exhausted when the product is.
//   categorical: all choices; int/float with `values`: those; otherwise
//   `grid_points` evenly spaced values (per-param, else the searcher option,
//   default 5; ints dedupe; log params are spaced on the log scale).
#pragma once

#include <memory>

#include "tuner/searchers/searcher.h"

namespace autotune {

// Options: grid_points (int >= 1, default 5), shuffle (bool, default true).
StatusOr<std::unique_ptr<Searcher>> MakeGridSearcher(const Options& options, const SearchSpace& space,
                                                     std::uint64_t seed);

}  // namespace autotune
