// A trial's lineage (tuner/coordinator/lineage.h) with the metric points its
// links reported: what the dashboard's lineage and schedule views draw.
#pragma once

#include <cstdint>
#include <vector>

#include "db/store.h"
#include "tuner/coordinator/lineage.h"

namespace autotune::web {

struct Lineage {
  std::vector<LineageLink> links;  // oldest first; step_end of one is step_begin of the next
  // The metric points the links reported: each link's points in
  // (step_begin, step_end] (the first link's from step_begin on), the last
  // report of a step winning (a retry's over the failed try's).
  std::vector<MetricPoint> points;
};

// NotFound for an unknown trial; store errors as they come.
StatusOr<Lineage> WalkLineage(Store& store, std::int64_t trial_id);

}  // namespace autotune::web
