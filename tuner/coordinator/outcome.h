// Pure helpers of the coordinator: how a segment's result is judged.
#pragma once

#include <optional>
#include <string>

#include "tuner/core/trial.h"
#include "tuner/executor/executor.h"

namespace autotune {

struct SegmentVerdict {
  SegmentState segment_state = SegmentState::kCompleted;
  std::string error;  // why it failed, "" when completed or cancelled
};

// A segment succeeds when the program exited 0, spoke the protocol correctly
// and reported the objective metric; a cancel the coordinator asked for
// (stop, shutdown, an engine error) is "cancelled": its trial waits to be
// resumed and no retry is spent.
SegmentVerdict JudgeSegment(const SegmentResult& r, const std::optional<double>& value,
                            const std::string& metric, bool cancel_requested);

}  // namespace autotune
