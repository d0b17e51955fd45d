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
//   - otherwise (floats and ints): `gp` for the first half of the budget
//     (at most 200 trials; 200 when the budget is unknown), then `hazero`
//     (CMA-ES with the lq surrogate) started from the best trial so far:
//     the GP searches globally while few trials exist, CMA-ES refines
//     cheaply and keeps improving where a GP's cost and model stop paying
//     off. With more than 12 params or more than 8 trials in parallel,
//     `hazero` from the start. `hazero` sees the gp phase's trials as
//     warm-start observations (History::prior).
// The choice depends only on the space, budget.max_trials, max_parallel and
// the trial number, so a resumed study makes the same choices; each
// delegate is built with the study's seed and its own defaults.
//
// Describe() names the searcher the latest Suggest used and why, e.g.
// "auto: gp (2 floats, budget 100, 1 at a time, hazero from trial 50)".
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
struct AutoOptions {
  int handover = -1;     // the trial number where gp hands over to hazero (-1: the default rule)
  int gp_max_dims = -1;  // the most params gp is chosen for (-1: kGpMaxDims)
};
AutoChoice ChooseAutoSearcher(const SearchSpace& space, int max_trials, int max_parallel, int trial,
                              const AutoOptions& options = {});

// Options: handover (int >= 0: the trial number at which gp hands over to
// hazero; default half the budget, at most 200, and 200 when the budget is
// unknown), gp_max_dims (int >= 0: numeric spaces with more params go to
// hazero from the start; default 12).
StatusOr<std::unique_ptr<Searcher>> MakeAutoSearcher(const Options& options, const SearchSpace& space,
                                                     std::uint64_t seed, int max_parallel, int max_trials);

}  // namespace autotune
