// PBT: population-based training (Jaderberg et al. 2017; the rules of Ray
// Tune's scheduler, ALGORITHMS.md), and its replay.
//
// `population` members train in segments of `perturbation_interval` steps.
// At a member's ready point (async: when its segment ends; sync: when every
// live member reached the same step) the members with a score are ranked by
// their latest loss (sync: the loss at that step), ties broken at random;
// k = ⌈N·quantile_fraction⌉, at most ⌊N/2⌋. A member in the bottom k copies
// a uniformly chosen member of the top k that has a checkpoint and is not
// finished (exploit: its checkpoint, its step, its params) and then explores:
// each mutated param is resampled with `resample_probability`, else a number
// is multiplied by one of `perturbation_factors` (ints stay ints; clipped to
// the space) and a list of values or a categorical moves to a neighbour.
// Everyone else continues. Members that finish max_steps complete.
//
// `explore: searcher` (PaddleHub AutoDL's population-based evaluation): each
// generation is `population` new trials; generation 0 starts from scratch,
// generation g > 0 takes its params from the study's searcher (told every
// earlier trial's result) and continues from the checkpoints of the best half
// of generation g − 1, round robin. Each trial runs one interval.
//
// `replay` runs one trial along a learned schedule (autotune export
// --schedule): its params change at the schedule's steps.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tuner/core/space.h"
#include "tuner/core/spec.h"
#include "tuner/schedulers/scheduler.h"

namespace autotune {

struct PbtOptions {
  int population = 2;
  std::int64_t interval = 1;  // perturbation_interval, steps
  std::int64_t burn_in = 0;   // no exploit before this step
  double quantile_fraction = 0.25;
  double resample_probability = 0.25;
  std::vector<double> factors = {0.8, 1.2};
  bool sync = false;      // mode: sync (generations) or async
  bool searcher = false;  // explore: searcher or perturb
  bool exploit = true;    // false: bottom members perturb their own params (explore only)
  std::vector<ParamSpec> mutations;  // what explore changes (default: every param of the space)
};

// Explore, exposed for tests: params after one perturbation of `params`,
// drawn from rng.
Params PbtExplore(const PbtOptions& o, const SearchSpace& space, const Params& params, std::uint64_t seed,
                  std::uint64_t stream);

StatusOr<std::unique_ptr<Scheduler>> MakePbtScheduler(const StudySpec& spec);
StatusOr<std::unique_ptr<Scheduler>> MakeReplayScheduler(const StudySpec& spec);

}  // namespace autotune
