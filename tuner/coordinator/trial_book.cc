// The coordinator's bookkeeping: trial states and counts, the view searchers
// and schedulers get (tuner/core/history.h), progress, and which checkpoints
// are still needed.
#include <algorithm>

#include "tuner/coordinator/coordinator.h"

namespace autotune {

// t.state is already counted; this moves it to `state`.
void Coordinator::SetState(TrialRecord& t, TrialState state) {
  --counts_[static_cast<int>(t.state)];
  t.state = state;
  ++counts_[static_cast<int>(state)];
  if (state == TrialState::kPending) pending_.insert(t.number);
  else pending_.erase(t.number);
  Observation& o = history_.trials[t.number];
  // Stopped trials, and trials resumed after a stop (promoted), take the
  // History's rule for stopped trials.
  const bool ruled = IsStopped(state) || (IsInFlight(state) && !o.intermediate.empty());
  if (ruled) stopped_.insert(t.number);
  else stopped_.erase(t.number);
  o.params = t.params;
  o.state = state;
  o.step = t.step;
  o.has_checkpoint = !t.checkpoint.empty();
  o.loss.reset();
  if (state == TrialState::kCompleted && t.value) {
    const double loss = spec_.objective.Loss(*t.value);
    o.loss = loss;
    if (!any_completed_loss_ || loss > worst_completed_loss_) {
      worst_completed_loss_ = loss;
      any_completed_loss_ = true;
      for (int n : stopped_) SetStoppedLoss(n);  // the rule's floor moved
    }
    if (!progress_.best_value || spec_.objective.Better(*t.value, *progress_.best_value)) {
      progress_.best_value = t.value;
      progress_.best_trial_id = t.id;
    }
  }
  if (ruled) SetStoppedLoss(t.number);
}

// History's rule: a stopped trial's loss is its last loss, but never better
// than the worst completed trial's.
void Coordinator::SetStoppedLoss(int number) {
  Observation& o = history_.trials[number];
  std::optional<double> last = o.last_loss();
  const TrialRecord& t = trials_[number];
  if (!last && t.value) last = spec_.objective.Loss(*t.value);
  if (!last) return o.loss.reset();
  o.loss = any_completed_loss_ ? std::max(*last, worst_completed_loss_) : *last;
}

void Coordinator::UpdateProgress() {
  Progress& p = progress_;
  p.total = spec_.budget.max_trials;
  p.completed = counts_[int(TrialState::kCompleted)];
  p.failed = counts_[int(TrialState::kFailed)];
  p.running = counts_[int(TrialState::kRunning)];
  p.pending = counts_[int(TrialState::kPending)];
  p.paused = counts_[int(TrialState::kPaused)];
  p.pruned = counts_[int(TrialState::kPruned)];
  p.elapsed_s = options_.now() - started_at_;
  const int done = p.completed + p.failed + p.pruned;
  const int done_here = done - finished_at_start_;
  const int remaining = std::max(0, p.total - done);
  p.eta_s = done_here > 0 && p.elapsed_s > 0 ? remaining * p.elapsed_s / done_here : -1;
  if (on_progress) on_progress(p);
}

void Coordinator::ReleaseCheckpoint(const TrialRecord& t, const std::string& path) {
  if (path.empty()) return;
  auto deleted = keeper_.Delete(t.id, path);
  if (!deleted.ok()) Log("could not delete checkpoint " + path + ": " + deleted.status().ToString());
}

// Keeps the checkpoints of the best keep_best_checkpoints completed trials
// (users want the winners' weights).
void Coordinator::KeepBest(const TrialRecord& t) {
  if (t.checkpoint.empty() || !t.value) return;
  kept_.insert({spec_.objective.Loss(*t.value), t.number});
  while (static_cast<int>(kept_.size()) > KeepBestCount()) {
    auto worst = std::prev(kept_.end());
    const TrialRecord& w = trials_[worst->second];
    kept_.erase(worst);
    ReleaseCheckpoint(w, w.checkpoint);
  }
}

int Coordinator::KeepBestCount() const {
  return spec_.trial && spec_.trial->keep_checkpoints ? *spec_.trial->keep_checkpoints
                                                      : options_.keep_best_checkpoints;
}

// Deletes every live checkpoint that no unfinished trial resumes from and no
// kept best trial owns, then removes folders the store does not know (left
// by a crash).
void Coordinator::SweepCheckpoints() {
  std::set<std::string> needed;
  for (const auto& t : trials_)
    if (!IsFinished(t.state) && !t.checkpoint.empty()) needed.insert(t.checkpoint);
  for (const auto& [loss, number] : kept_) needed.insert(trials_[number].checkpoint);
  auto live = store_.ListLiveCheckpoints(study_.id);
  if (!live.ok()) return Log("could not list checkpoints: " + live.status().ToString());
  std::set<std::string> keep;
  for (const auto& c : *live) {
    if (needed.count(c.path)) {
      keep.insert(c.path);
      continue;
    }
    auto deleted = keeper_.Delete(c.trial_id, c.path);
    if (!deleted.ok() || !*deleted) keep.insert(c.path);
  }
  keeper_.SweepFolders(keep);
}

}  // namespace autotune
