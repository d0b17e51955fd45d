// What the GP learns from a History, in the unit cube of the search space.
//   - completed trials and warm-start (prior) observations with a finite loss
//     are observations;
//   - failed trials, pruned ones and completed ones without a finite loss are
//     treated as bad: they get the worst observed loss (so the model steers
//     away instead of proposing the same crashing point again); they are
//     dropped while nothing has been observed;
//   - pending, running and paused trials are in flight: the searcher gives
//     them a constant-liar value.
#pragma once

#include <Eigen/Core>
#include <set>
#include <vector>

#include "tuner/searchers/searcher.h"

namespace autotune::gp {

struct GpData {
  // Observations in history order (prior first, then this study's trials),
  // bad ones with their imputed loss.
  std::vector<Eigen::VectorXd> x;
  std::vector<double> loss;
  std::size_t measured = 0;  // how many of them have a loss of their own
  std::vector<Eigen::VectorXd> in_flight;
  // Every param set already tried or in flight (duplicates are avoided).
  std::set<Params> taken;
};

GpData CollectData(const History& history, const SearchSpace& space);

// The model's targets: losses with their upper tail compressed, then
// standardised to mean 0 and variance 1. With m the median and s a robust
// scale (IQR/1.349, else the standard deviation), z = (loss − m)/s is kept
// for z ≤ tail and becomes tail + log(1 + log(1 + z − tail)) above: a loss
// 10⁹ scales above the rest lands about 3 units above the tail. So diverged
// trials (huge losses) cannot flatten the good region, while the order and the
// good values' spacing are kept. tail = infinity disables it.
Eigen::VectorXd ModelTargets(const Eigen::VectorXd& loss, double tail);

// Indices of at most max_points observations to model: all of them when they
// fit, else the best half by loss plus the most recent of the rest. Sorted.
std::vector<std::size_t> SelectSubset(const std::vector<double>& loss, std::size_t max_points);

}  // namespace autotune::gp
