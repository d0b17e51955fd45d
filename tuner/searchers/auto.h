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
//   - otherwise (floats and ints): `hazero` (CMA-ES with the lq surrogate,
//     IPOP restarts; parallel workers get whole rounds). On the BBOB suite it
//     beat `gp` on 16 of 24 functions at d = 5 and tied at d = 2, also at 20
//     and 50 trials, and running `gp` first (half the budget) then `hazero`
//     from its best lost to `hazero` alone on 18 of 23; it costs
//     milliseconds where `gp` costs a tenth of a second per trial. The
//     `handover` option still runs `gp` for the first `handover` trials
//     (when the space has at most gp_max_dims params and at most 8 trials
//     run at once); `hazero` then sees those trials as warm-start
//     observations (History::prior) and starts from their best.
// The choice depends only on the space, budget.max_trials, max_parallel and
// the trial number, so a resumed study makes the same choices; each
// delegate is built with the study's seed and its own defaults.
//
// Describe() names the searcher the latest Suggest used and why, e.g.
// "auto: hazero (2 floats, budget 100, 1 at a time)".
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
  int handover = 0;      // numeric spaces: gp for trials [0, handover), then hazero (0: hazero only)
  int gp_max_dims = -1;  // the most params gp is run for (-1: 12)
};
AutoChoice ChooseAutoSearcher(const SearchSpace& space, int max_trials, int max_parallel, int trial,
                              const AutoOptions& options = {});

// Options: handover (int >= 0, default 0: numeric spaces run gp for the
// first `handover` trials, then hazero), gp_max_dims (int >= 0, default 12:
// numeric spaces with more params skip gp).
StatusOr<std::unique_ptr<Searcher>> MakeAutoSearcher(const Options& options, const SearchSpace& space,
                                                     std::uint64_t seed, int max_parallel, int max_trials);

}  // namespace autotune
