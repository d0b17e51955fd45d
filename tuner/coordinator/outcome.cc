#include "tuner/coordinator/outcome.h"

#include <csignal>
#include <cstring>

namespace autotune {

SegmentVerdict JudgeSegment(const SegmentResult& r, const std::optional<double>& value,
                            const std::string& metric, bool cancel_requested) {
  SegmentVerdict v;
  using K = SegmentResult::Kind;
  if (r.kind == K::kCancelled && cancel_requested) {
    v.segment_state = SegmentState::kCancelled;
    return v;
  }
  v.segment_state = SegmentState::kFailed;
  switch (r.kind) {
    case K::kSpawnFailed:
      v.error = "could not start the trial program: " + r.error;
      return v;
    case K::kTimedOut:
      v.error = r.error.empty() ? "timed out" : r.error;
      return v;
    case K::kCancelled:
      v.error = "cancelled";
      return v;
    case K::kSignaled:
      v.error = "killed by signal " + std::to_string(r.exit_code) + " (" + strsignal(r.exit_code) + ")";
      return v;
    case K::kExited:
      break;
  }
  if (r.exit_code != 0) {
    v.error = "exited with status " + std::to_string(r.exit_code);
    if (!r.error.empty()) v.error += "; " + r.error;
  } else if (!r.error.empty()) {
    v.error = r.error;
  } else if (!value) {
    v.error = "did not report the objective metric \"" + metric + "\" (print a line AUTOTUNE {\"step\": N, \"" +
              metric + "\": x})";
  } else {
    v.segment_state = SegmentState::kCompleted;
  }
  return v;
}

}  // namespace autotune
