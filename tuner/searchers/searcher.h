// Searcher: proposes parameter sets. Pure and deterministic: given the same
// space, options, seed and history it returns the same suggestions, with no
// clock, file or database inside. Its state is rebuilt from the history, so a
// restarted coordinator continues where it stopped. Not thread-safe; the
// coordinator calls it from one strand.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

  // A short human-readable account of how the latest Suggest chose its
  // params, for the store and `autotune show`: empty for searchers with
  // nothing to explain; `auto` names the searcher it delegated to and why
  // ("auto: gp (2 continuous params, budget 100)"). Pure like Suggest: a
  // function of the space, options, seed and the history of the latest
  // Suggest call (so a restarted coordinator gets the same text); before any
  // Suggest it describes the choice for an empty history. One line, no
  // trailing newline.
  virtual std::string Describe() const { return ""; }
};

// Builds the searcher named by spec.algorithm ("auto", "grid", "random",
// "sobol", "gp", "tpe", "hazero", "pshe2"). Unknown algorithms and options are
// errors naming "searcher.algorithm" or "searcher.<option>". `max_parallel` is
// the study's budget.max_parallel: searchers that hand out fixed rounds
// (hazero) size them to keep that many workers busy. `max_trials` is the
// study's budget.max_trials (0: unknown); `auto` picks by it, and `tpe` and
// `hazero` start their tails from it (TailStart).
StatusOr<std::unique_ptr<Searcher>> MakeSearcher(const AlgorithmSpec& spec, const SearchSpace& space,
                                                 std::uint64_t seed, int max_parallel = 1,
                                                 int max_trials = 0);

// The first trial number of the last `tail` fraction (0 to 1) of a budget of
// `max_trials`, where `tpe` and `hazero` narrow their search; -1 when there
// is no tail (an unknown budget, or tail 0).
inline std::int64_t TailStart(int max_trials, double tail) {
  if (max_trials <= 0 || tail <= 0) return -1;
  return max_trials - std::llround(tail * max_trials);
}

}  // namespace autotune
