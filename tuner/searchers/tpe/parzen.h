// ParzenEstimator: TPE's density model, a weighted mixture of product kernels
// over (a subset of) the search space's unit-cube dimensions, following
// Optuna's TPESampler (see /work/shared/ALGORITHMS.md "TPE").
//
// Every numeric dimension lives in the unit cube as SearchSpace encodes it,
// which is an affine image of Optuna's internal space (log for log params, ints
// widened by half a step), so kernels, bandwidths and truncation match Optuna's
// with range 1. Kernels:
//   - one per observation, plus a prior kernel (mu = 0.5, sigma = 1, weight
//     prior_weight); with no observations the prior alone, weight 1;
//   - numeric: a normal truncated to [0, 1]. Bandwidth, per dimension: the
//     larger gap to a sorted neighbour among the observations and the prior's
//     centre, with 0 and 1 as endpoints, except that the lowest and highest
//     points use their inner gap (Optuna's univariate rule, used here for
//     joint kernels too), clipped to [1 / min(100, 1 + n_kernels), 1], and
//     with scott_floor > 0 to at least scott_floor * n_kernels^(-1 / (D + 4))
//     (Scott's rule's shape; Optuna's multivariate TPE uses 0.2 times it as
//     the bandwidth itself), which keeps joint kernels in D dimensions from
//     collapsing onto the neighbour gaps of a tight cluster;
//   - ints: the mass of the kernel over the value's cell (half a step each side);
//   - categorical: prior_weight / n_kernels on every choice and +1 on the
//     observation's own, normalised per kernel (the prior kernel is uniform).
// Observation weights come from the caller (Optuna's linear ramp).
// bandwidth_weighted: each numeric kernel's density factor is multiplied by
// its bandwidth, as Optuna 3.1's TPE scores (its truncated-normal log-density
// omitted -log(sigma); optuna issue #5109, fixed in 3.5). It rewards
// candidates near the wide kernels relative to the narrow ones; measured
// better than the exact density on every bench function (README "Search
// quality"). Sampling and int/categorical masses are unaffected.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "tuner/core/space.h"

namespace autotune::tpe {

// How one unit-cube dimension is modelled.
struct DimModel {
  enum class Kind { kContinuous, kInteger, kCategorical };
  Kind kind = Kind::kContinuous;
  int choices = 0;  // categorical: number of choices
  IntDist ints;     // integer: the distribution, to find a value's cell
};

// Models dimension i of the space.
DimModel ModelOf(const SearchSpace& space, std::size_t i);

class ParzenEstimator {
 public:
  // columns[j][k] holds observation k's coordinate on dims[j] (unit cube; a
  // categorical coordinate is the encoded (index + 0.5) / choices); weights[k]
  // is observation k's non-negative weight.
  // scott_floor > 0 raises every numeric bandwidth to at least
  // scott_floor * n_kernels^(-1 / (D + 4)), D = dims.size() (see above).
  ParzenEstimator(std::vector<DimModel> dims, const std::vector<std::vector<double>>& columns,
                  const std::vector<double>& weights, double prior_weight, bool bandwidth_weighted,
                  double scott_floor = 0);

  // Draws `count` points, each coordinate from its own marginal mixture (a
  // kernel by weight per dimension), so joint candidates recombine the
  // coordinates of different good observations as the univariate TPE's do.
  // Numeric kernels draw with their bandwidth times `shrink` (in (0, 1]).
  std::vector<std::vector<double>> Sample(std::mt19937_64& rng, int count, double shrink = 1.0) const;

  // Log density (log mass for ints and categoricals) of the mixture at x.
  double LogPdf(const std::vector<double>& x) const;

 private:
  struct NumericKernels {
    std::vector<double> mu, sigma, inv_sigma;
    std::vector<double> log_norm;  // -log(sigma * sqrt(2 pi) * Z)
    std::vector<double> log_z;     // log Z, Z = the kernel's mass inside [0, 1]
  };

  // Adds dimension d's log factor at coordinate x to terms[k] for every kernel k.
  void AddLogFactors(std::size_t d, double x, std::vector<double>* terms) const;

  std::vector<DimModel> dims_;
  std::vector<double> log_weights_, cumulative_;
  std::vector<NumericKernels> numeric_;                     // per dim (empty for categoricals)
  std::vector<std::vector<std::vector<double>>> cats_;      // per dim: [kernel][choice] probability
  std::vector<std::vector<std::vector<double>>> log_cats_;  // per dim: [choice][kernel] log probability
};

// Optuna's default observation weights for n observations in trial order:
// all 1 below 25; else a ramp from 1/n to 1 over the oldest n - 25, then 1s.
std::vector<double> DefaultWeights(std::size_t n);

// gamma(n) = min(ceil(0.1 n), 25): how many of n observations are "below".
std::size_t DefaultGamma(std::size_t n);

}  // namespace autotune::tpe
