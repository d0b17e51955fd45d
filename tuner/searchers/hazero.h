// hazero: PaddleHub AutoDL's HAZero, i.e. CMA-ES (cmaes/cmaes.h) in the
// [-1, 1] coordinates of hazero_rounds.h, with IPOP restarts.
//
// The first run starts at the start point (ParamSpec::init, else the best
// warm-start observation, else the centre) with step size `sigma0` and
// population `popsize` (default 4 + ⌊3 ln d⌋). It suggests one generation at
// a time: Suggest returns at most the rest of the current generation and
// nothing while the generation is in flight; the generation is told back once
// all its trials have finished, failed ones with the generation's worst loss.
// When a run converges or stalls (Cmaes::ShouldStop) the next run starts at a
// uniform random point with sigma0 and twice the population (IPOP).
// With `surrogate` (the default; lq-CMA-ES, Hansen 2019, cmaes/lq_model.h) a
// run's first generation is evaluated whole as above; each later generation
// is sampled whole but evaluated in rounds: the pending members the model
// ranks best are evaluated until 1, 2, 3, 5, 8, ... (×1.5, rounded up) of the
// generation are, the model is refitted after each round, and once its
// Kendall τ against the true losses reaches 0.85 (or every member has been
// evaluated) the generation is told to CMA-ES with the model's values
// (shifted so that their minimum is the best true loss; the true losses
// when all were evaluated). On smooth losses most generations then cost one
// trial. The members of a round whose trials all failed count as the
// generation's worst (a generation without any loss is drawn anew). A round
// evaluates at least `batch` members (default: the study's max_parallel), so
// parallel workers are not left idle; surrogate false hands out whole
// generations.
// With a known budget (the study's budget.max_trials) the last `tail` of it
// (default 0.3 on spaces of up to 12 params, else 0) refines the best trial:
// at the first generation boundary after 1 - tail of the budget's trials,
// the run's mean moves to the best point told so far and its largest step
// sigma·max(d) to `tail_step` (default 0.05) when it is larger, keeping the
// covariance's shape (the evolution paths restart). Tail 0 or an unknown
// budget turns this off.
// With `tpe_members` k (default 0), once 10 trials are in, each generation
// sampled before the tail has its last min(k, λ - 2) draws replaced by `tpe`'s
// suggestions given the warm-start data and every trial before the
// generation (a tpe searcher of its own, seeded from `seed`), each admitted
// by Cmaes::Admit (shortened to the distribution's Mahalanobis radius,
// Hansen 2011); they are ranked, evaluated and told like the others. The
// draws are kept per generation start with a fingerprint of the trials they
// came from, so a replay asks tpe only for generations it has not seen (or
// whose trials changed), and a fresh searcher draws the same.
// Ints and categoricals are searched continuously and rounded by the unit-cube
// mapping. The state is rebuilt by replaying the history round by
// round; a generation's draws come from a stream of (seed, its first round).
#pragma once

#include <memory>

#include "tuner/searchers/searcher.h"

namespace autotune {

// Options: popsize (int >= 2, default 4 + ⌊3 ln d⌋), sigma0 (in (0, 2],
// default 0.15 on spaces of 3 or more params that are all floats, else 0.2),
// surrogate (bool, default true), batch (int >= 1: the fewest members a
// surrogate round evaluates; default `max_parallel`, the study's
// budget.max_parallel, so parallel workers stay busy), tail (0 to 1, default
// 0.3 on up to 12 params, else 0), tail_step (in (0, 2], default 0.05),
// tpe_members (int >= 0, default 0).
// max_trials is the study's budget (0: unknown, no tail).
StatusOr<std::unique_ptr<Searcher>> MakeHazeroSearcher(const Options& options, const SearchSpace& space,
                                                       std::uint64_t seed, int max_parallel = 1,
                                                       int max_trials = 0);

}  // namespace autotune
