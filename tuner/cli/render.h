// Text and JSON renderings of studies and trials for the CLI.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/store.h"
#include "tuner/coordinator/coordinator.h"
#include "tuner/core/spec.h"

namespace autotune {

// "12/100 done, 2 running, 1 failed, best 0.398 (trial id 7), 0:42 elapsed, ETA 5:10"
std::string ProgressLine(const Progress& p);

// Completed trials best first, then the others by number, failed trials last;
// at most `limit` rows (0: all).
std::vector<TrialRecord> RankTrials(std::vector<TrialRecord> trials, const Objective& objective,
                                    std::size_t limit);

// A fixed-width table: rank, trial, state, value, step, params (and, with
// errors, why each trial failed or stopped).
std::string TrialTable(const std::vector<TrialRecord>& ranked, const std::string& metric, bool errors = false);

// One trial in full: state, value, params, lineage, error, and its segments
// (steps, attempt, state, exit status, error), with the last lines of the
// last segment's output.
std::string TrialDetailText(const TrialRecord& t, const std::vector<SegmentRecord>& segments,
                            const std::string& study, const std::string& metric);
std::string TrialDetailJson(const TrialRecord& t, const std::vector<SegmentRecord>& segments);


// {"trial_id", "state", "value", "params", "parent_id", "generation"} per trial.
std::string TrialsJson(const std::vector<TrialRecord>& trials);
// {"trial_id", "value", "params", "step"}.
std::string BestJson(const TrialRecord& t);
// One row per trial: trial_id, number, state, value, step, then one column per param.
std::string TrialsCsv(const std::vector<TrialRecord>& trials);

std::string FormatDuration(double seconds);
std::string FormatValue(const std::optional<double>& v);

}  // namespace autotune
