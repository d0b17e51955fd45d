// Scheduler: decides what happens to a trial after each of its segments
// (ARCHITECTURE.md "Core model"). Pure like a searcher: given the study's
// facts and its History it returns decisions, with no clock, file or store
// inside, so a restarted coordinator that rebuilds the History gets the same
// answers. The coordinator applies every decision (persists it first, then
// launches, copies or cleans up); a scheduler never sees a store or a path.
//
// The life of a trial: created pending with a first segment
// [0, FirstSegmentEnd); after each completed segment OnSegmentEnd says
// Continue (run [step, step_end) next), Pause (wait; ResumeNext may wake it),
// Prune (stop for good), Complete, or Exploit (continue from another trial's
// checkpoint with new params: PBT). When a slot is free the coordinator first
// runs trials with a planned segment, then asks ResumeNext for a paused trial
// to wake, then (if AcceptsNewTrial) asks the searcher for a new one. When
// nothing runs and nothing can start, paused trials are pruned and the study
// ends.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "tuner/core/history.h"
#include "tuner/core/params.h"
#include "tuner/core/spec.h"
#include "tuner/core/status.h"

namespace autotune {

struct Decision {
  enum class Kind { kContinue, kPause, kPrune, kComplete, kExploit };
  Kind kind = Kind::kComplete;
  std::int64_t step_end = 0;  // kContinue, kExploit: the end of the next segment
  int source = -1;            // kExploit: the number of the trial to copy
  // kExploit: the trial's new params; kContinue: new params for the next
  // segment (empty: unchanged).
  Params params;
  std::string reason;  // a short text for the event log

  static Decision Continue(std::int64_t step_end, std::string reason = "", Params params = {}) {
    return {Kind::kContinue, step_end, -1, std::move(params), std::move(reason)};
  }
  static Decision Pause(std::string reason = "") { return {Kind::kPause, 0, -1, {}, std::move(reason)}; }
  static Decision Prune(std::string reason = "") { return {Kind::kPrune, 0, -1, {}, std::move(reason)}; }
  static Decision Complete() { return {Kind::kComplete, 0, -1, {}, ""}; }
  static Decision Exploit(int source, Params params, std::int64_t step_end, std::string reason = "") {
    return {Kind::kExploit, step_end, source, std::move(params), std::move(reason)};
  }
};

const char* ToString(Decision::Kind kind);

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // The end of trial `number`'s first segment (in (0, max_steps]).
  virtual std::int64_t FirstSegmentEnd(const History& history, int number) const = 0;

  // Trial `number` has just completed a segment; history.trials[number]
  // shows its new step, loss and intermediate losses. Called only while the
  // trial's step is below trial.max_steps (the coordinator completes a trial
  // that reached it). A Continue or Exploit must end in (step, max_steps].
  virtual Decision OnSegmentEnd(const History& history, int number) = 0;

  // A slot is free: a paused trial to wake now and how (Continue, Exploit or
  // Prune), or nothing. `final`: the study will create no more trials (its
  // budget, time or searcher is spent), so the scheduler should finish with
  // the trials it has.
  virtual std::optional<std::pair<int, Decision>> ResumeNext(const History& history, bool final) = 0;

  // Whether a new trial may start now (PBT stops at its population).
  virtual bool AcceptsNewTrial(const History& history) const {
    (void)history;
    return true;
  }

  // The params of new trial `number` when the scheduler fixes them (replay);
  // otherwise the searcher proposes them.
  virtual std::optional<Params> InitialParams(const History& history, int number) const {
    (void)history, (void)number;
    return std::nullopt;
  }

  // New trial `number` continues from another trial's checkpoint (PBT's
  // searcher-driven explore): which one, and the end of its first segment.
  struct Inheritance {
    int source = -1;
    std::int64_t step_end = 0;
  };
  virtual std::optional<Inheritance> Inherit(const History& history, int number) const {
    (void)history, (void)number;
    return std::nullopt;
  }
};

// Builds the scheduler of a study: `none` (absent or "none": one segment per
// trial), `asha`, `pbt` or `replay`. Unknown algorithms and options that
// cannot work are InvalidArgument naming "scheduler.<field>".
StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(const StudySpec& spec);

}  // namespace autotune
