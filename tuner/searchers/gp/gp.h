// gp: Gaussian-process Bayesian optimisation (Optuna's GPSampler recipe).
//
// Works in the search space's unit cube (log params on their log scale, ints
// as cells decoded by rounding, categoricals compared by equality). Losses far
// above the median are compressed (see `tail`, gp/data.h), then standardised;
// a GP with a Matérn-5/2 ARD kernel is fitted by MAP over its
// length scales, signal and noise (gp/fit.h), and the next point maximises
// log expected improvement over the best observed loss (gp/acquisition.h).
//
// Phases: trial number i < n_initial gets point i of a scrambled Sobol
// sequence seeded by the study seed, until n_initial observations (warm-start
// observations count) exist; afterwards the model decides. With fewer than two
// observations the Sobol sequence continues.
//
// History: completed trials and warm-start (History::prior) observations are
// data. Failed and pruned trials (and completed ones without a finite value)
// count as bad: they get the worst observed loss.
// Trials in flight (and earlier suggestions of the same call, for n > 1) are
// added to the model with a made-up loss (`liar`): by default the model's own
// mean there (kriging believer), which leaves the mean as it is and removes
// the uncertainty there, so parallel workers get distinct points; a proposal
// that decodes to params already tried or in flight is replaced by the next
// best local optimum, else by the next Sobol point.
//
// Cost: past max_points observations the model keeps the best half and the
// most recent rest. Hyperparameters are fitted coarse to fine: from several
// starts on at most 64 of those points, then refined, warm-started from that
// optimum, on at most 100 (again the best and the most recent). With 1,000
// completed trials in 6-D a suggestion takes about 50 ms of CPU. Deterministic
// for (seed, history): no state is kept between calls, so a restarted
// coordinator gets the same suggestions.
//
// Options:
//   n_initial     int >= 1, default max(5, d + 1)   Sobol points before the model
//   n_candidates  int >= 16, default 2048           Sobol candidates scored per suggestion
//   n_local       int >= 1, default 10              local searches from the best candidates
//   max_points    int >= 16, default 256            observations the model keeps
//   fit_restarts  int >= 0, default 2               random starts of the hyperparameter fit
//   liar          "believer" | "best" | "mean" | "worst", default "believer"
//                                                   loss given to points in flight: the
//                                                   model's mean there, or a constant (the
//                                                   best, mean or worst observed)
//   deterministic bool, default false               fix the noise at 1e-6 (noise-free objectives)
//   tail          number >= 0, default 2            robust z-score above which losses are
//                                                   log-log compressed (1e300: off)
#pragma once

#include <memory>

#include "tuner/searchers/searcher.h"

namespace autotune {

StatusOr<std::unique_ptr<Searcher>> MakeGpSearcher(const Options& options, const SearchSpace& space,
                                                   std::uint64_t seed);

}  // namespace autotune
