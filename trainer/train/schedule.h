// Learning-rate schedules: linear warmup, then cosine decay, step decay or a
// constant rate. Pure functions of the step, so a resumed segment continues
// the same curve.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::trainer {

enum class ScheduleKind { kCosine, kStep, kConstant };

// "cosine", "step", "constant".
StatusOr<ScheduleKind> ParseScheduleKind(std::string_view name);

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::kCosine;
  double base_lr = 0.1;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 1;  // the horizon of the cosine and of default milestones
  double min_lr_ratio = 0.0;     // cosine: the rate ends at base_lr * min_lr_ratio
  double decay_factor = 0.1;     // step: multiplied in at each milestone
  // step: the steps at which the rate is multiplied by decay_factor; empty
  // means 50% and 75% of total_steps.
  std::vector<std::int64_t> milestones;
};

// The rate used by step `step` (0-based). During warmup it rises linearly:
// base_lr * (step + 1) / warmup_steps. After warmup:
//   cosine    min + (base - min) * (1 + cos(pi * p)) / 2, p = (step - warmup) /
//             (total - warmup) clamped to [0, 1], min = base * min_lr_ratio
//   step      base * decay_factor ^ (number of milestones <= step)
//   constant  base
double LearningRate(const ScheduleOptions& options, std::int64_t step);

}  // namespace autotune::trainer
