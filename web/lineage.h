// A trial's lineage: the completed segments whose training its model holds,
// oldest first. PBT makes it cross trials: a segment that resumed from
// another trial's checkpoint (its source_trial_id) continues that trial's
// training, so the walk goes on in the source trial up to the step the
// checkpoint held. The params of the links, by step, are the schedule a PBT
// member learned (what `autotune export --schedule` prints); the same walk
// serves the dashboard's lineage and schedule views.
#pragma once

#include <cstdint>
#include <vector>

#include "db/store.h"

namespace autotune::web {

struct LineageLink {
  TrialRecord trial;      // the trial that ran the segment
  SegmentRecord segment;  // completed; its steps, params and value
};

struct Lineage {
  std::vector<LineageLink> links;  // oldest first; step_end of one is step_begin of the next
  // The metric points the links reported: each link's points in
  // (step_begin, step_end] (the first link's from step_begin on), the last
  // report of a step winning (a retry's over the failed try's).
  std::vector<MetricPoint> points;
};

// The lineage of `trial_id` up to its current model: the checkpoint it holds
// (Trial.checkpoint, which after a PBT exploit is the source's) at
// Trial.step, else its own segments up to Trial.step. Links stop at a fresh
// start (step 0) or where no completed segment explains an earlier step.
// NotFound for an unknown trial; store errors as they come.
StatusOr<Lineage> WalkLineage(Store& store, std::int64_t trial_id);

}  // namespace autotune::web
