// The replay scheduler: one trial whose params change at the steps of a
// learned schedule (a PBT trial's lineage, from `autotune export --schedule`).
#include "tuner/core/options.h"
#include "tuner/schedulers/pbt.h"

namespace autotune {
namespace {

class ReplayScheduler final : public Scheduler {
 public:
  ReplayScheduler(std::vector<ScheduledParams> schedule, std::int64_t max_steps)
      : schedule_(std::move(schedule)), max_steps_(max_steps) {}

  bool AcceptsNewTrial(const History& h) const override { return h.trials.empty(); }
  std::optional<Params> InitialParams(const History&, int) const override { return schedule_.front().params; }
  std::int64_t FirstSegmentEnd(const History&, int) const override { return NextChange(0); }
  std::optional<std::pair<int, Decision>> ResumeNext(const History&, bool) override { return std::nullopt; }

  Decision OnSegmentEnd(const History& h, int n) override {
    const std::int64_t step = h.trials[n].step;
    const ScheduledParams* current = &schedule_.front();
    for (const auto& s : schedule_)
      if (s.step <= step) current = &s;
    return Decision::Continue(NextChange(step), "schedule: params of step " + std::to_string(current->step),
                              current->params);
  }

 private:
  // The next step after `step` at which the params change, or max_steps.
  std::int64_t NextChange(std::int64_t step) const {
    for (const auto& s : schedule_)
      if (s.step > step) return s.step;
    return max_steps_;
  }

  std::vector<ScheduledParams> schedule_;
  std::int64_t max_steps_;
};

}  // namespace

StatusOr<std::unique_ptr<Scheduler>> MakeReplayScheduler(const StudySpec& spec) {
  const AlgorithmSpec& a = *spec.scheduler;
  OptionReader r(a, "scheduler");
  r.AcceptSchedule();
  AT_RETURN_IF_ERROR(r.Finish());
  if (a.schedule.empty()) return Status::InvalidArgument("is required (autotune export --schedule prints one)", "scheduler.schedule");
  for (std::size_t i = 0; i < a.schedule.size(); ++i) {
    const std::string field = "scheduler.schedule[" + std::to_string(i) + "]";
    if (a.schedule[i].step >= spec.trial->max_steps)
      return Status::InvalidArgument("must be below trial.max_steps", field + ".step");
    Status valid = spec.space.Validate(a.schedule[i].params);
    if (!valid.ok()) return Status::InvalidArgument(valid.ToString(), field + ".params");
  }
  if (spec.budget.max_trials < 1) return Status::InvalidArgument("must be at least 1", "budget.max_trials");
  return std::unique_ptr<Scheduler>(new ReplayScheduler(a.schedule, spec.trial->max_steps));
}

}  // namespace autotune
