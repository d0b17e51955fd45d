#include "tuner/core/trial.h"

#include <array>
#include <utility>

namespace autotune {
namespace {

template <typename E, std::size_t N>
bool ParseEnum(const std::array<std::pair<E, const char*>, N>& table, const std::string& s, E* out) {
  for (const auto& [e, name] : table)
    if (s == name) return *out = e, true;
  return false;
}

template <typename E, std::size_t N>
const char* EnumName(const std::array<std::pair<E, const char*>, N>& table, E e) {
  for (const auto& [v, name] : table)
    if (v == e) return name;
  return "unknown";
}

constexpr std::array<std::pair<TrialState, const char*>, 6> kTrialStates{{
    {TrialState::kPending, "pending"},
    {TrialState::kRunning, "running"},
    {TrialState::kPaused, "paused"},
    {TrialState::kCompleted, "completed"},
    {TrialState::kPruned, "pruned"},
    {TrialState::kFailed, "failed"},
}};
constexpr std::array<std::pair<SegmentState, const char*>, 4> kSegmentStates{{
    {SegmentState::kRunning, "running"},
    {SegmentState::kCompleted, "completed"},
    {SegmentState::kFailed, "failed"},
    {SegmentState::kCancelled, "cancelled"},
}};
constexpr std::array<std::pair<StudyState, const char*>, 4> kStudyStates{{
    {StudyState::kRunning, "running"},
    {StudyState::kCompleted, "completed"},
    {StudyState::kFailed, "failed"},
    {StudyState::kStopped, "stopped"},
}};

}  // namespace

const char* ToString(TrialState s) { return EnumName(kTrialStates, s); }
const char* ToString(SegmentState s) { return EnumName(kSegmentStates, s); }
const char* ToString(StudyState s) { return EnumName(kStudyStates, s); }
bool ParseTrialState(const std::string& s, TrialState* out) { return ParseEnum(kTrialStates, s, out); }
bool ParseSegmentState(const std::string& s, SegmentState* out) {
  return ParseEnum(kSegmentStates, s, out);
}
bool ParseStudyState(const std::string& s, StudyState* out) { return ParseEnum(kStudyStates, s, out); }

}  // namespace autotune
