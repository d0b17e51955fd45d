// The events both Store implementations log, in one place so they log the
// same kinds and texts. Rule: every study, trial and segment transition is
// one event, written in the transaction that makes the transition.
//   study.created, study.<state>          CreateStudy, SetStudyState
//   trial.created                         CreateTrial
//   trial.<state>                         SetTrialState (always); StartSegment,
//                                         FinishSegment, RecoverInterrupted
//                                         (when the trial's state changes)
//   segment.started                       StartSegment
//   segment.<completed|failed|cancelled>  FinishSegment, RecoverInterrupted
//   trial.exploited                       FinishSegment, UpdateTrial (a PBT exploit)
//   anything else                         Store::AddEvent (the coordinator's own,
//                                         e.g. scheduler.promoted)
#pragma once

#include <cstdint>
#include <string>

#include "tuner/core/params.h"
#include "tuner/core/trial.h"

namespace autotune::store_events {

struct EventText {
  std::string kind;
  std::string detail;
};

EventText StudyCreated(const std::string& name);
EventText StudyStateChanged(const std::string& name, StudyState state);
EventText TrialCreated(int number, const Params& params);
EventText TrialStateChanged(int number, TrialState state, const std::string& error);
EventText SegmentStarted(int number, std::int64_t segment_id, std::int64_t step_begin, std::int64_t step_end,
                         int attempt);
EventText TrialExploited(int number, int source_number, std::int64_t step, const Params& params);
EventText SegmentFinished(int number, std::int64_t segment_id, SegmentState state, int exit_code,
                          const std::string& error);

// The error text RecoverInterrupted puts on the segments it cancels.
inline constexpr const char* kInterrupted = "interrupted";

}  // namespace autotune::store_events
