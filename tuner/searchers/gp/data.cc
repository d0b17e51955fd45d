#include "tuner/searchers/gp/data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace autotune::gp {
namespace {

Eigen::VectorXd ToVector(const std::vector<double>& u) {
  return Eigen::Map<const Eigen::VectorXd>(u.data(), static_cast<Eigen::Index>(u.size()));
}

}  // namespace

GpData CollectData(const History& history, const SearchSpace& space) {
  GpData data;
  std::vector<std::size_t> bad;  // positions whose loss is imputed below
  auto add = [&](const Observation& o, bool from_prior) {
    data.taken.insert(o.params);
    const bool measured = o.loss && std::isfinite(*o.loss);
    if (IsInFlight(o.state) && !from_prior) {
      data.in_flight.push_back(ToVector(space.Encode(o.params)));
      return;
    }
    if (!measured && from_prior) return;  // a warm-start entry without a value teaches nothing
    if (!measured || IsStopped(o.state) || o.state == TrialState::kFailed) {
      if (!from_prior) bad.push_back(data.loss.size());
    } else {
      ++data.measured;
    }
    data.x.push_back(ToVector(space.Encode(o.params)));
    data.loss.push_back(measured ? *o.loss : 0.0);
  };
  for (const auto& o : history.prior) add(o, true);
  for (const auto& o : history.trials) add(o, false);
  double worst = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0, b = 0; i < data.loss.size(); ++i) {
    if (b < bad.size() && bad[b] == i) {
      ++b;
      continue;
    }
    worst = std::max(worst, data.loss[i]);
  }
  // Bad entries take the worst measured loss; with nothing measured they go.
  for (auto it = bad.rbegin(); it != bad.rend(); ++it) {
    if (data.measured > 0) {
      data.loss[*it] = worst;
    } else {
      data.x.erase(data.x.begin() + static_cast<std::ptrdiff_t>(*it));
      data.loss.erase(data.loss.begin() + static_cast<std::ptrdiff_t>(*it));
    }
  }
  return data;
}

Eigen::VectorXd ModelTargets(const Eigen::VectorXd& loss, double tail) {
  const Eigen::Index n = loss.size();
  auto standardise = [](Eigen::ArrayXd v) -> Eigen::VectorXd {
    const double mean = v.mean(), sd = std::sqrt((v - mean).square().mean());
    return ((v - mean) / (sd > 0 ? sd : 1.0)).matrix();
  };
  if (n == 0 || !std::isfinite(tail)) return standardise(loss.array());
  std::vector<double> sorted(loss.data(), loss.data() + n);
  std::sort(sorted.begin(), sorted.end());
  auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(n - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
  };
  const double median = quantile(0.5);
  double scale = (quantile(0.75) - quantile(0.25)) / 1.349;
  if (!(scale > 0)) scale = std::sqrt((loss.array() - loss.mean()).square().mean());
  if (!(scale > 0)) return standardise(loss.array());
  Eigen::ArrayXd z = (loss.array() - median) / scale;
  z = (z > tail).select(tail + (z - tail).log1p().log1p(), z);
  return standardise(z);
}

std::vector<std::size_t> SelectSubset(const std::vector<double>& loss, std::size_t max_points) {
  const std::size_t n = loss.size();
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  if (n <= max_points) return all;
  std::vector<std::size_t> by_loss = all;
  std::stable_sort(by_loss.begin(), by_loss.end(),
                   [&](std::size_t a, std::size_t b) { return loss[a] < loss[b]; });
  std::vector<bool> keep(n, false);
  const std::size_t n_best = (max_points + 1) / 2;
  for (std::size_t k = 0; k < n_best; ++k) keep[by_loss[k]] = true;
  std::size_t kept = n_best;
  for (std::size_t i = n; i-- > 0 && kept < max_points;) {
    if (!keep[i]) keep[i] = true, ++kept;
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    if (keep[i]) out.push_back(i);
  }
  return out;
}

}  // namespace autotune::gp
