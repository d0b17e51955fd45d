// Searcher: proposes parameter sets. Pure and deterministic: given the same
// space, options, seed and history it returns the same suggestions, with no
// clock, file or database inside. Its state is rebuilt from the history, so a
// restarted coordinator continues where it stopped. Not thread-safe; the
// coordinator calls it from one strand.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "tuner/core/history.h"
#include "tuner/core/params.h"
#include "tuner/core/space.h"
#include "tuner/core/spec.h"
#include "tuner/core/status.h"
#include "tuner/core/trial.h"

namespace autotune {

class Searcher {
 public:
  virtual ~Searcher() = default;

  // Returns up to n param sets for the next trials, which will be numbered
  // history.trials.size(), +1, ... Returning fewer than n (even none) is allowed
  // when the searcher is exhausted (grid) or waits for results (a CMA-ES
  // generation still in flight); the coordinator asks again after the next
  // trial finishes.
  virtual StatusOr<std::vector<Params>> Suggest(const History& history, int n) = 0;

  // True when it will never suggest anything again (a finished grid).
  virtual bool Exhausted(const History& history) const {
    (void)history;
    return false;
  }
};

// Builds the searcher named by spec.algorithm ("grid", "random", "sobol", "gp",
// "tpe", "hazero", "pshe2"). Unknown algorithms and options are errors naming
// "searcher.algorithm" or "searcher.<option>". `max_parallel` is the study's
// budget.max_parallel: searchers that hand out fixed rounds (hazero) size
// them to keep that many workers busy.
StatusOr<std::unique_ptr<Searcher>> MakeSearcher(const AlgorithmSpec& spec, const SearchSpace& space,
                                                 std::uint64_t seed, int max_parallel = 1);

}  // namespace autotune
