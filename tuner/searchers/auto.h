// auto: picks the searcher for a study from its space, budget and
// parallelism, and hands over to a second one once the study outgrows the
// first, as Optuna's AutoSampler does. The default when a spec has no
// `searcher` section.
//
// The rules (the figures behind them: README "Search quality", BBOB suite):
//   - every parameter discrete (ints and categoricals) and the whole grid no
//     larger than the budget: `grid`, which tries every point once;
//   - any categorical parameter: `tpe` (its Parzen estimators model choices
//     directly; the GP and CMA-ES only relax them);
//   - otherwise (floats and ints): `gp` while the space is small enough for
//     its model to pay off (at most kGpMaxDims parameters) and the study is
//     young (trial numbers below kGpTrials) and at most kGpMaxParallel
//     trials run at once; else `hazero` (CMA-ES with the lq surrogate),
//     which scales to long, wide and parallel studies. A study that starts
//     on `gp` moves to `hazero` at trial kGpTrials: `hazero` then sees the
//     earlier trials as warm-start observations and starts from their best.
// The choice depends only on the space, budget.max_trials, max_parallel and
// the trial number, so a resumed study makes the same choices; each
// delegate is built with the study's seed and its own defaults.
//
// Describe() names the searcher the latest Suggest used and why, e.g.
// "auto: gp (2 continuous params, budget 100, 1 at a time)".
#pragma once

#include <memory>
#include <string>

#include "tuner/searchers/searcher.h"

namespace autotune {

// What `auto` runs for trial number `trial`: the algorithm and the reason.
struct AutoChoice {
  std::string algorithm;
  std::string reason;
  // The first trial number of this choice's phase (0, or where gp handed
  // over to hazero): earlier trials reach the delegate as warm-start data.
  int phase_start = 0;
};
AutoChoice ChooseAutoSearcher(const SearchSpace& space, int max_trials, int max_parallel, int trial);

// No options of its own (any option is an error).
StatusOr<std::unique_ptr<Searcher>> MakeAutoSearcher(const Options& options, const SearchSpace& space,
                                                     std::uint64_t seed, int max_parallel, int max_trials);

}  // namespace autotune
