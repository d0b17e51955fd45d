// Pure helpers of the coordinator: how a segment's result is judged, and
// checkpoint directory housekeeping.
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
// and reported the objective metric; a cancel during a stop is "cancelled".
SegmentVerdict JudgeSegment(const SegmentResult& r, const std::optional<double>& value,
                            const std::string& metric, bool stopping);

// Removes a directory tree, ignoring errors (it may never have been created).
void RemoveTree(const std::string& dir);
// Removes dir and then its parent folder if that is left empty.
void RemoveEmptyOrTree(const std::string& dir);

}  // namespace autotune
