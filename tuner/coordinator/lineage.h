// A trial's learned hyperparameter schedule along its whole PBT lineage: the
// params it trained with at each step, following every exploit back to the
// trial whose checkpoint it continued from (segments' source_trial_id).
// What `autotune export --schedule` prints and the `replay` scheduler runs.
#pragma once

#include <cstdint>
#include <vector>

#include "db/store.h"

namespace autotune {

struct ScheduleEntry {
  std::int64_t step = 0;      // from this step on
  Params params;              // these params were trained with
  std::int64_t trial_id = 0;  // by this trial (the lineage)
};

struct LearnedSchedule {
  std::int64_t trial_id = 0;
  std::int64_t end_step = 0;           // the last step the trial completed
  std::vector<ScheduleEntry> entries;  // by step; consecutive equal params merged
};

// NotFound for an unknown trial; FailedPrecondition when a link of the
// lineage is missing from the store (a segment it names never completed).
StatusOr<LearnedSchedule> LearnedScheduleOf(Store& store, std::int64_t trial_id);

}  // namespace autotune
