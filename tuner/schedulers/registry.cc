// The one place that maps scheduler.algorithm names to implementations, and
// the `none` scheduler: one segment per trial, to trial.max_steps.
#include "tuner/core/options.h"
#include "tuner/schedulers/asha.h"
#include "tuner/schedulers/pbt.h"
#include "tuner/schedulers/scheduler.h"

namespace autotune {
namespace {

class NoScheduler final : public Scheduler {
 public:
  explicit NoScheduler(std::int64_t max_steps) : max_steps_(max_steps) {}
  std::int64_t FirstSegmentEnd(const History&, int) const override { return max_steps_; }
  Decision OnSegmentEnd(const History&, int) override { return Decision::Continue(max_steps_); }
  std::optional<std::pair<int, Decision>> ResumeNext(const History&, bool) override { return std::nullopt; }

 private:
  std::int64_t max_steps_;
};

}  // namespace

const char* ToString(Decision::Kind kind) {
  switch (kind) {
    case Decision::Kind::kContinue:
      return "continue";
    case Decision::Kind::kPause:
      return "pause";
    case Decision::Kind::kPrune:
      return "prune";
    case Decision::Kind::kComplete:
      return "complete";
    case Decision::Kind::kExploit:
      return "exploit";
  }
  return "unknown";
}

StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const StudySpec& spec) {
  const std::int64_t max_steps = spec.trial ? spec.trial->max_steps : 1;
  if (!spec.scheduler || spec.scheduler->algorithm == "none") {
    if (spec.scheduler) AT_RETURN_IF_ERROR(OptionReader(*spec.scheduler, "scheduler").Finish());
    return std::unique_ptr<Scheduler>(new NoScheduler(max_steps));
  }
  const std::string& a = spec.scheduler->algorithm;
  if (!spec.trial) {
    return Status::InvalidArgument("scheduler '" + a + "' needs a trial section (segments to schedule)",
                                   "scheduler.algorithm");
  }
  if (a == "asha") return MakeAshaScheduler(*spec.scheduler, max_steps);
  if (a == "pbt") return MakePbtScheduler(spec);
  if (a == "replay") return MakeReplayScheduler(spec);
  // scheduler-branches (keep this marker: one `if` per algorithm above it)
  return Status::InvalidArgument("unknown algorithm '" + a + "' (expected none, asha, pbt or replay)", "scheduler.algorithm");
}

}  // namespace autotune
