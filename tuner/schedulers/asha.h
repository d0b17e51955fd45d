// ASHA: asynchronous successive halving (Li et al. 2018), with optional
// Hyperband-style brackets.
//
// Bracket b (trial number mod `brackets`) has rungs at
// min_steps·η^(b+k) steps (k = 0, 1, ...) below trial.max_steps, then
// max_steps itself. A trial runs one segment per rung, resuming from its own
// checkpoint, and pauses at each rung. When a slot is free, the scheduler
// promotes (the paper's get_job) the best paused trial that is in the top
// ⌊|rung|/η⌋ of its rung, looking at the highest rungs first; with nothing
// to promote the study starts a new trial. |rung| counts every trial of the
// bracket that reached the rung, promoted or not. Once the study creates no
// more trials, each rung promotes its top ⌈|rung|/η⌉ instead, so that a
// finite budget still carries its best trials to max_steps (as successive
// halving would); trials never promoted are pruned when the study ends.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tuner/core/spec.h"
#include "tuner/schedulers/scheduler.h"

namespace autotune {

struct AshaOptions {
  int reduction_factor = 3;    // η, in [2, 100]
  std::int64_t min_steps = 1;  // the first rung of bracket 0, in [1, max_steps)
  int brackets = 1;            // in [1, the number of rungs of bracket 0]
};

// The rungs of bracket b: increasing, ending with max_steps.
std::vector<std::int64_t> AshaRungs(const AshaOptions& options, std::int64_t max_steps, int bracket);

// Options: reduction_factor, min_steps, brackets (errors name "scheduler.<option>").
StatusOr<std::unique_ptr<Scheduler>> MakeAshaScheduler(const AlgorithmSpec& spec, std::int64_t max_steps);

}  // namespace autotune
