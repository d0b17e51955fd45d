// tpe: Optuna-style Tree-structured Parzen Estimator (ALGORITHMS.md "TPE").
//
// Until `n_startup` trials have finished (completed or pruned, warm-start
// observations included) it suggests the same uniform draws as `random`.
// Afterwards the finished trials are ranked (completed by loss, then in-flight
// ones, then pruned ones) and split into the best gamma(n) = min(ceil(0.1 n), 25)
// ("below", only trials with a loss) and the rest ("above"). In-flight trials,
// including the earlier suggestions of the same Suggest call, are "above" with
// an infinite loss (constant liar), so parallel suggestions differ. Each group
// becomes a Parzen estimator (tpe/parzen.h) with Optuna's weights; the
// suggestion is the best of `n_ei_candidates` draws from l(x) by
// log l(x) - log g(x). Univariate mode does this per parameter independently;
// `multivariate` uses joint kernels over all parameters.
//
// Deterministic: trial number i's draws come from a stream of (seed, i), and
// the model is rebuilt from the history on every call.
#pragma once

#include <memory>

#include "tuner/searchers/searcher.h"

namespace autotune {

// Options: n_startup (int >= 0, default 10), n_ei_candidates (int >= 1,
// default 24), prior_weight (> 0, default 1.0), multivariate (bool, default
// false).
StatusOr<std::unique_ptr<Searcher>> MakeTpeSearcher(const Options& options, const SearchSpace& space,
                                                    std::uint64_t seed);

}  // namespace autotune
