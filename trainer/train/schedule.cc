#include "trainer/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace autotune::trainer {

StatusOr<ScheduleKind> ParseScheduleKind(std::string_view name) {
  if (name == "cosine") return ScheduleKind::kCosine;
  if (name == "step") return ScheduleKind::kStep;
  if (name == "constant") return ScheduleKind::kConstant;
  return Status::InvalidArgument("unknown schedule '" + std::string(name) + "' (cosine, step, constant)",
                                 "schedule");
}

double LearningRate(const ScheduleOptions& o, std::int64_t step) {
  if (step < o.warmup_steps) {
    return o.base_lr * static_cast<double>(step + 1) / static_cast<double>(o.warmup_steps);
  }
  switch (o.kind) {
    case ScheduleKind::kConstant:
      return o.base_lr;
    case ScheduleKind::kStep: {
      std::vector<std::int64_t> milestones = o.milestones;
      if (milestones.empty()) milestones = {o.total_steps / 2, o.total_steps * 3 / 4};
      const auto passed =
          std::count_if(milestones.begin(), milestones.end(), [&](std::int64_t m) { return m <= step; });
      return o.base_lr * std::pow(o.decay_factor, static_cast<double>(passed));
    }
    case ScheduleKind::kCosine:
      break;
  }
  const double span = static_cast<double>(std::max<std::int64_t>(1, o.total_steps - o.warmup_steps));
  const double p = std::clamp(static_cast<double>(step - o.warmup_steps) / span, 0.0, 1.0);
  const double min_lr = o.base_lr * o.min_lr_ratio;
  return min_lr + (o.base_lr - min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * p));
}

}  // namespace autotune::trainer
