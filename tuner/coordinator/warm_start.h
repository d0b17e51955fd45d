// Warm start: earlier results a study's searcher learns from (the spec's
// warm_start.trials and the completed trials of warm_start.study), as
// completed observations. Shared by the Coordinator and AskTellStudy.
#pragma once

#include <vector>

#include "db/store.h"
#include "tuner/core/history.h"
#include "tuner/core/spec.h"

namespace autotune {

// InvalidArgument (field "warm_start.study") when the named study does not
// exist; trials of it whose params do not fit this study's space are skipped.
StatusOr<std::vector<Observation>> WarmStartObservations(Store& store, const StudySpec& spec);

}  // namespace autotune
