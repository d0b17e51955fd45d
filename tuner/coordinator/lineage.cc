#include "tuner/coordinator/lineage.h"

#include <algorithm>
#include <limits>

namespace autotune {

StatusOr<LearnedSchedule> LearnedScheduleOf(Store& store, std::int64_t trial_id) {
  AT_ASSIGN_OR_RETURN(TrialRecord trial, store.GetTrial(trial_id));
  LearnedSchedule out;
  out.trial_id = trial_id;
  out.end_step = trial.step;
  std::vector<ScheduleEntry> backwards;  // pieces from the end to step 0
  std::int64_t current = trial_id, upto = trial.step;
  // Only segments older than this one count (the copy was taken before it).
  std::int64_t before_id = std::numeric_limits<std::int64_t>::max();
  for (int hops = 0; upto > 0; ++hops) {
    if (hops > 100000) return Status::Internal("the lineage of trial " + std::to_string(trial_id) + " loops");
    AT_ASSIGN_OR_RETURN(auto segments, store.ListSegments(current));
    std::optional<std::int64_t> next_source;
    while (upto > 0) {
      // The latest completed segment of `current` that ends at `upto`.
      const SegmentRecord* seg = nullptr;
      for (const auto& s : segments) {
        if (s.state == SegmentState::kCompleted && s.step_end == upto && s.id < before_id) seg = &s;
      }
      if (!seg) {
        return Status::FailedPrecondition("trial " + std::to_string(current) + " has no completed segment ending at step " +
                                          std::to_string(upto) + "; its lineage cannot be followed");
      }
      backwards.push_back({seg->step_begin, seg->params, current});
      upto = seg->step_begin;
      before_id = seg->id;
      if (seg->source_trial_id && *seg->source_trial_id != current) {
        next_source = *seg->source_trial_id;  // an exploit: the steps before come from the source
        break;
      }
    }
    if (!next_source) break;
    // The source's checkpoint was copied before the exploiting segment
    // started; segment ids grow across the store, so before_id (that
    // segment's id) bounds the source's segments that made it.
    current = *next_source;
  }
  std::reverse(backwards.begin(), backwards.end());
  for (auto& e : backwards) {
    if (!out.entries.empty() && out.entries.back().params == e.params && out.entries.back().trial_id == e.trial_id)
      continue;  // the same params on: one entry
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace autotune
