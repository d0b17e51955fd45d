// A trial's lineage: the completed segments whose training its model holds,
// oldest first. PBT makes it cross trials: a segment that resumed from
// another trial's checkpoint (its source_trial_id) continues that trial's
// training, so the walk goes on in the source trial, among the segments
// that ran before the copy, up to the step the checkpoint held. The params
// of the links, by step, are the schedule the trial learned: what `autotune
// export --schedule` prints, the `replay` scheduler runs and the dashboard
// draws.
#pragma once

#include <cstdint>
#include <vector>

#include "db/store.h"

namespace autotune {

struct LineageLink {
  TrialRecord trial;      // the trial that ran the segment
  SegmentRecord segment;  // completed; its steps, params and value
};

// The links up to the trial's current model: the checkpoint it holds
// (TrialRecord.checkpoint, which after a PBT exploit is the source's) at
// TrialRecord.step, else its own segments up to that step. Links stop at a
// fresh start (step 0) or where no completed segment explains an earlier
// step. NotFound for an unknown trial; store errors as they come.
StatusOr<std::vector<LineageLink>> LineageOf(Store& store, std::int64_t trial_id);

struct ScheduleEntry {
  std::int64_t step = 0;      // from this step on
  Params params;              // these params were trained with
  std::int64_t trial_id = 0;  // by this trial (the lineage)
};

struct LearnedSchedule {
  std::int64_t trial_id = 0;
  std::int64_t end_step = 0;           // the last step the trial completed
  std::vector<ScheduleEntry> entries;  // by step; consecutive equal params of one trial merged
};

// The lineage as a schedule. NotFound for an unknown trial;
// FailedPrecondition when the lineage cannot be followed back to step 0 (a
// segment it needs never completed).
StatusOr<LearnedSchedule> LearnedScheduleOf(Store& store, std::int64_t trial_id);

}  // namespace autotune
