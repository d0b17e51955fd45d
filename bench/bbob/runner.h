// One benchmark run: a sampler on one BBOB problem for a number of trials,
// one trial at a time, and the cache of finished runs.
//
// Samplers: an autotune searcher as "name[:opt=value...]" (built by
// MakeSearcher with seed = the run's id, max_parallel 1, max_trials =
// trials), or "optuna:random", "optuna:tpe", "optuna:tpe_mv", "optuna:cmaes"
// (run by OptunaClient with seed = the run's id). A run's id is instance +
// kRepeatStride * repeat: repeat 0 is the instance itself, and later repeats
// run the same problem with other seeds (and, noisy, other noise draws).
// The space is d floats x00.. in [-5, 5].
// A searcher that is exhausted (grid) keeps its incumbent for the remaining
// trials.
//
// Noise: with beta > 0 the sampler sees NoisyValue(f(x)) (functions.h); the
// normal draw of trial t depends only on (function, dim, run id, t), so
// every sampler meets the same noise sequence. The recorded regret is the
// true regret of the incumbent, the trial with the best value *seen* (what a
// user would deploy), not the luckiest noisy value.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/bbob/optuna_client.h"
#include "tuner/core/status.h"

namespace autotune::bbob {

constexpr int kRepeatStride = 1000;

struct RunSpec {
  std::string sampler;
  int function = 1, dim = 2, instance = 1, trials = 100;
  double noise_beta = 0;  // 0: noiseless
  int repeat = 0;

  int id() const { return instance + kRepeatStride * repeat; }
};

struct RunResult {
  std::vector<double> regret;  // regret[t - 1]: the incumbent's true regret after t trials
  double seconds = 0;          // wall time of the whole run (sampler and function)
  std::string describe;        // the searcher's Describe() after its last Suggest
};

// optuna may be null when no optuna: sampler is run.
StatusOr<RunResult> RunOne(const RunSpec& spec, OptunaClient* optuna);

// The cache: one text file per (suite, sampler, function, dim), one line per
// finished run, "id seconds regret_1 ... regret_T end" (id: RunSpec::id),
// appended when the run ends; a line without its "end" (an interrupted
// write) is ignored.
std::string CellPath(const std::string& root, const RunSpec& spec);
// id -> result, for the runs of that cell with at least `trials` regrets.
std::map<int, RunResult> ReadCell(const std::string& path, int trials);
Status AppendRun(const std::string& path, int id, const RunResult& result);

}  // namespace autotune::bbob
