#include "db/events.h"

namespace autotune::store_events {
namespace {

std::string TrialName(int number) { return "trial " + std::to_string(number); }

std::string Range(std::int64_t begin, std::int64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

}  // namespace

EventText StudyCreated(const std::string& name) { return {"study.created", "study " + name + " created"}; }

EventText StudyStateChanged(const std::string& name, StudyState state) {
  return {std::string("study.") + ToString(state), "study " + name + " " + ToString(state)};
}

EventText TrialCreated(int number, const Params& params) {
  return {"trial.created", TrialName(number) + " created: " + ToString(params)};
}

EventText TrialStateChanged(int number, TrialState state, const std::string& error) {
  std::string detail = TrialName(number) + " " + ToString(state);
  if (!error.empty()) detail += ": " + error;
  return {std::string("trial.") + ToString(state), detail};
}

EventText SegmentStarted(int number, std::int64_t segment_id, std::int64_t step_begin, std::int64_t step_end,
                         int attempt) {
  return {"segment.started", TrialName(number) + " segment " + std::to_string(segment_id) + " steps " +
                                 Range(step_begin, step_end) + " attempt " + std::to_string(attempt)};
}

EventText TrialExploited(int number, int source_number, std::int64_t step, const Params& params) {
  return {"trial.exploited", TrialName(number) + " continues from " + TrialName(source_number) + " at step " +
                                 std::to_string(step) + " with " + ToString(params)};
}

EventText SegmentFinished(int number, std::int64_t segment_id, SegmentState state, int exit_code,
                          const std::string& error) {
  std::string detail = TrialName(number) + " segment " + std::to_string(segment_id) + " " + ToString(state);
  if (state == SegmentState::kFailed) detail += " (exit " + std::to_string(exit_code) + ")";
  if (!error.empty()) detail += ": " + error;
  return {std::string("segment.") + ToString(state), detail};
}

}  // namespace autotune::store_events
