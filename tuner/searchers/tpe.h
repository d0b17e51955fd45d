// tpe: Optuna-style Tree-structured Parzen Estimator (ALGORITHMS.md "TPE").
//
// Until `n_startup` trials have finished (completed or pruned, warm-start
// observations included) trial i gets point i of the study's scrambled Sobol
// sequence (`startup` "sobol", the default: the first points spread evenly)
// or the same uniform draw as `random` (`startup` "random", Optuna's).
// Afterwards the finished trials are ranked (completed by loss, then in-flight
// ones, then pruned ones) and split into the best gamma(n) = min(ceil(0.1 n), 25)
// ("below", only trials with a loss) and the rest ("above"). In-flight trials,
// including the earlier suggestions of the same Suggest call, are "above" with
// an infinite loss (constant liar), so parallel suggestions differ. Each group
// becomes a Parzen estimator (tpe/parzen.h) with Optuna's weights; the
// suggestion is the best of `n_ei_candidates` draws from l(x) by
// log l(x) - log g(x).
//
// `multivariate` (the default) scores candidates by the joint density over
// all parameters, so l/g sees how parameters interact; its candidates draw
// each coordinate from its own marginal of l (recombining good observations)
// and its bandwidths are the univariate neighbour gaps per dimension (not
// Optuna's multivariate 0.2 n^(-1/(d+4))). multivariate false is Optuna's
// independent TPE: candidates drawn and scored per parameter.
// `independent_every` k > 0 mixes the two: a model-based trial whose number
// is a multiple of k is drawn and scored per parameter, the others jointly.
// Its default is 2 on spaces of 5 or more params (every other trial; on BBOB
// the mix beat both the joint and the independent model alone from 5
// dimensions on) and 0 (joint only) below.
// `bandwidth_weighted` (default true) scores as Optuna 3.1 does (tpe/parzen.h).
// With a known budget (the study's budget.max_trials), the model-based trials
// in its last `tail` fraction (default 0.3) draw their candidates with every
// numeric bandwidth of l times `tail_shrink` (default 0.1), so the end of the
// study searches closely around its best trials; scoring is unchanged. Tail 0
// or an unknown budget turns this off.
// With multivariate false, bandwidth_weighted true, startup "random" and tail
// 0 the suggestions follow Optuna 3.1.0's TPESampler defaults. README "Search
// quality" has the measurements behind these defaults.
//
// Deterministic: trial number i's draws come from a stream of (seed, i), and
// the model is rebuilt from the history on every call.
#pragma once

#include <memory>

#include "tuner/searchers/searcher.h"

namespace autotune {

// Options: n_startup (int >= 0, default 10), n_ei_candidates (int >= 1,
// default 24), prior_weight (> 0, default 1.0), multivariate (bool, default
// true), bandwidth_weighted (bool, default true), startup ("sobol" or
// "random", default "sobol"), bandwidth_floor (0 to 1; default 0.075 on 4 or
// more params, else 0), independent_every (int >= 0; default 2 on 5 or more
// params, else 0; ignored when multivariate is false), tail (0 to 1, default
// 0.3), tail_shrink (0.001 to 1, default 0.1). max_trials is the study's
// budget (0: unknown, no tail).
StatusOr<std::unique_ptr<Searcher>> MakeTpeSearcher(const Options& options, const SearchSpace& space,
                                                    std::uint64_t seed, int max_trials = 0);

}  // namespace autotune
