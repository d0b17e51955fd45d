// auto: picks the searcher for a study from its space, budget and
// parallelism (and, with `handover`, switches searchers part-way through the
// study), as Optuna's AutoSampler does. The default when a spec has no
// `searcher` section.
//
// The rules (the measurements behind them: README "Search quality"):
//   - every parameter discrete (ints and categoricals) and the whole grid no
//     larger than the budget: `grid`, which tries every point once;
//   - categorical parameters only: `tpe` (its Parzen estimators model
//     choices directly);
//   - ints or categoricals, with or without floats: `gp`, whose kernel
//     models cells and choices exactly where CMA-ES relaxes them and stalls
//     on their plateaus (on the mixed `finetune` function gp's regret is
//     hundreds of times smaller than hazero's or tpe's); `tpe` instead when
//     the space has more than gp_max_dims params or more than 8 trials run
//     at once (gp's cost and its one-at-a-time believer);
//   - floats only: `hazero` (CMA-ES with the lq surrogate and IPOP
//     restarts; parallel workers get whole rounds), which beat `gp` and
//     `gp` followed by `hazero` on most BBOB functions at d = 3 and 5 and
//     costs milliseconds per trial; from 3 floats on with one member of each
//     generation drawn by `tpe` from all trials so far (tpe_members 1: on
//     the rugged BBOB functions, Schaffers' above all, CMA-ES's own draws
//     stall where TPE's density of good points keeps finding better ones);
//     for 1 or 2 floats, `gp` for the first
//     min(50, budget / 2) trials (50 with no known budget) and `hazero`
//     after, which against Optuna's best sampler won more BBOB functions at
//     d = 2 than either alone, at 50, 100 and 200 trials. The `handover`
//     option sets that number for any float space (0: `hazero` only); gp
//     runs only where it fits (gp_max_dims, at most 8 in parallel).
//     `hazero` sees gp's trials as warm-start observations
//     (History::prior) and starts from their best with sigma0 0.05 (a
//     local refinement of the basin gp found).
// The choice depends only on the space, budget.max_trials, max_parallel and
// the trial number, so a resumed study makes the same choices; each
// delegate is built with the study's seed, its own defaults (but for the
// sigma0 of hazero after gp) and the budget left at its phase's start (the
// budget less the trials before it), which its tail counts from.
//
// Describe() names the searcher the latest Suggest used and why, e.g.
// "auto: hazero (3 floats, budget 100, 1 at a time: floats only)".
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
  // The delegate's options where auto sets some (else its own defaults).
  Options options = {};
};
struct AutoOptions {
  int handover = -1;     // float spaces: gp for trials [0, handover), then hazero (0: hazero only;
                         // -1: for 1 or 2 floats min(50, budget / 2), else 0)
  int gp_max_dims = -1;  // the most params gp is run for (-1: 12)
};
AutoChoice ChooseAutoSearcher(const SearchSpace& space, int max_trials, int max_parallel, int trial,
                              const AutoOptions& options = {});

// Options: handover (int >= 0; float-only spaces run gp for the first
// `handover` trials, then hazero; absent: min(50, budget / 2) for 1 or 2
// floats, else 0), gp_max_dims (int >= 0, default 12: spaces with more
// params never get gp).
StatusOr<std::unique_ptr<Searcher>> MakeAutoSearcher(const Options& options, const SearchSpace& space,
                                                     std::uint64_t seed, int max_parallel, int max_trials);

}  // namespace autotune
