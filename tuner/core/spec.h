// StudySpec: the typed form of a study's JSON spec (ARCHITECTURE.md "The study
// spec"). Parsing and validation live in spec_json.h; nothing here knows JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tuner/core/params.h"
#include "tuner/core/space.h"

namespace autotune {

enum class Mode { kMin, kMax };

struct Objective {
  std::string metric = "value";
  Mode mode = Mode::kMin;
  // Orients a raw metric so that smaller is better (what searchers minimise).
  double Loss(double value) const { return mode == Mode::kMax ? -value : value; }
  // True when a is strictly better than b. NaN is worse than every number,
  // so a NaN value is never the best (the store's BestTrial agrees).
  bool Better(double a, double b) const {
    if (a != a) return false;
    if (b != b) return true;
    return mode == Mode::kMax ? a > b : a < b;
  }
};

// Scalar algorithm options ("n_initial": 8, "multivariate": true, ...). Each
// searcher/scheduler validates its own option names and values.
using OptionValue = ParamValue;
using Options = std::map<std::string, OptionValue>;

// A change of params at a step (a PBT trial's learned schedule, replayed).
struct ScheduledParams {
  std::int64_t step = 0;
  Params params;
};

struct AlgorithmSpec {
  AlgorithmSpec() = default;
  AlgorithmSpec(std::string a, Options o) : algorithm(std::move(a)), options(std::move(o)) {}

  std::string algorithm;
  Options options;  // scalar options
  // Options given as arrays of scalars ("perturbation_factors": [0.8, 1.2]).
  std::map<std::string, std::vector<OptionValue>> lists;
  // "mutations" (PBT): per parameter, what explore resamples from: a list of
  // values (ordered; explore moves along it) or a distribution like the
  // space's. Parsed like the space, in name order.
  std::vector<ParamSpec> mutations;
  std::vector<ScheduledParams> schedule;  // "schedule" (replay), by step
};

inline constexpr int kDefaultKeepCheckpoints = 5;

struct TrialSpec {
  std::vector<std::string> command;  // argv; argv[0] resolved to an executable path
  // The command as the canonical spec records it: argv[0] as written when it
  // is a bare program name found on PATH, resolved paths otherwise.
  std::vector<std::string> command_as_written;
  std::map<std::string, std::string> env;
  int gpus = 0;                // GPUs per trial (CUDA_VISIBLE_DEVICES slots)
  std::int64_t max_steps = 1;  // a trial's whole step budget
  double timeout_s = 0;        // per segment; 0 = no timeout
  int retries = 0;             // extra attempts of a failed segment
  // How many best completed trials keep their last checkpoint (absent: the
  // engine's default, 5; the canonical spec writes the effective value).
  std::optional<int> keep_checkpoints;
};

struct Budget {
  int max_trials = 10;
  int max_parallel = 1;
  double max_time_s = 0;  // 0 = no limit
  // Ask/tell studies (no trial section): a trial asked and not told within
  // this many seconds is released as failed, so searchers that wait for
  // results do not wait forever.
  double ask_lease_s = 600;
};

struct WarmStartTrial {
  Params params;
  double value = 0;  // raw objective value
};

struct StudySpec {
  std::string name;
  Objective objective;
  SearchSpace space;
  AlgorithmSpec searcher{"auto", {}};
  std::optional<AlgorithmSpec> scheduler;  // absent or "none": one segment per trial
  std::optional<TrialSpec> trial;          // absent: driven from outside (ask/tell)
  Budget budget;
  std::uint64_t seed = 0;
  std::vector<WarmStartTrial> warm_start;  // listed trials the searcher learns from
  // The params of the first trials, in order (Optuna's enqueue_trial); the
  // searcher proposes the rest. A PBT population can start from hand-picked
  // members this way.
  std::vector<Params> enqueue;
  std::string warm_start_study;            // an earlier study of the same store
};

}  // namespace autotune
