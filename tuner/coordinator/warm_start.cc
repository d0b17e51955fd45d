#include "tuner/coordinator/warm_start.h"

namespace autotune {
namespace {

Observation Completed(const Params& params, double loss) {
  Observation o;
  o.params = params;
  o.state = TrialState::kCompleted;
  o.loss = loss;
  return o;
}

}  // namespace

StatusOr<std::vector<Observation>> WarmStartObservations(Store& store, const StudySpec& spec) {
  std::vector<Observation> prior;
  for (const auto& w : spec.warm_start) prior.push_back(Completed(w.params, spec.objective.Loss(w.value)));
  if (spec.warm_start_study.empty()) return prior;
  AT_ASSIGN_OR_RETURN(auto other, store.FindStudy(spec.warm_start_study));
  if (!other) {
    return Status::InvalidArgument("no study named '" + spec.warm_start_study + "' in this store",
                                   "warm_start.study");
  }
  AT_ASSIGN_OR_RETURN(auto trials, store.ListTrials(other->id));
  for (const auto& t : trials) {
    // Trials whose params do not fit this study's space cannot inform it.
    if (t.state != TrialState::kCompleted || !t.value || !spec.space.Validate(t.params).ok()) continue;
    prior.push_back(Completed(t.params, spec.objective.Loss(*t.value)));
  }
  return prior;
}

}  // namespace autotune
