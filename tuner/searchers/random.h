// random: independent uniform draws in the unit cube (so log params are
// log-uniform, ints uniform over their values). Trial number i always gets the
// same point for a seed, whatever happened before it.
#pragma once

#include <memory>

#include "tuner/searchers/searcher.h"

namespace autotune {

// Options: none.
StatusOr<std::unique_ptr<Searcher>> MakeRandomSearcher(const Options& options, const SearchSpace& space,
                                                       std::uint64_t seed);

// Uniform point of the unit cube for (seed, trial number); shared by searchers
// that fall back to random draws.
std::vector<double> RandomUnitPoint(std::size_t dims, std::uint64_t seed, std::uint64_t number);

}  // namespace autotune
