// History: a study's trials as searchers and schedulers see them, rebuilt by
// the coordinator from the store (ARCHITECTURE.md "Core model": searchers and
// schedulers are pure functions of it).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tuner/core/params.h"
#include "tuner/core/trial.h"

namespace autotune {

// One trial. Losses are the objective oriented so that smaller is better
// (Objective::Loss).
//
// Trials stopped before trial.max_steps — pruned by a scheduler, or paused
// while they wait for a promotion (IsStopped) — reach searchers by one rule:
// `loss` = max(the loss at the last step they reached, the worst loss of any
// completed trial so far), and searchers treat them as finished observations,
// not as trials in flight. A stopped trial is thus never better than a trial
// that ran to the end; among stopped trials the ones that were doing better
// rank better. A trial that resumes after a stop (a promotion) keeps that
// loss while it runs again, so a searcher that told it back already (rounds
// of hazero or pshe2) need not wait for it. Schedulers read the raw losses
// in `intermediate`.
struct Observation {
  Observation() = default;
  Observation(Params p, TrialState s, std::optional<double> l)
      : params(std::move(p)), state(s), loss(std::move(l)) {}

  Params params;
  TrialState state = TrialState::kPending;  // pending/running/paused: in flight
  // Set for completed trials and for pruned ones that reported a value.
  std::optional<double> loss;
  std::int64_t step = 0;  // steps completed
  // The loss at the end of each completed segment, by increasing step.
  std::vector<std::pair<std::int64_t, double>> intermediate;
  // PBT lineage: the number of the trial it last copied (-1: none) and how
  // many copies led to it.
  int parent = -1;
  int generation = 0;
  bool has_checkpoint = false;  // a complete checkpoint at `step` exists

  // The loss at the last completed segment's end, if any.
  std::optional<double> last_loss() const {
    if (intermediate.empty()) return std::nullopt;
    return intermediate.back().second;
  }
  // The loss recorded at exactly `at`, if any (the latest report of that step).
  std::optional<double> loss_at(std::int64_t at) const {
    for (auto it = intermediate.rbegin(); it != intermediate.rend(); ++it)
      if (it->first == at) return it->second;
    return std::nullopt;
  }
};

// Pending and running trials are in flight: their results are still to come.
inline bool IsInFlight(TrialState s) { return s == TrialState::kPending || s == TrialState::kRunning; }
// Pruned and paused trials stopped early; searchers treat both alike (above).
inline bool IsStopped(TrialState s) { return s == TrialState::kPruned || s == TrialState::kPaused; }

struct History {
  // This study's trials in creation order: trials[i] is trial number i.
  std::vector<Observation> trials;
  // Warm-start observations (completed, with a loss) from the spec or from an
  // earlier study; they inform models but do not count as this study's trials.
  std::vector<Observation> prior;
};

}  // namespace autotune
