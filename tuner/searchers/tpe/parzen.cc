#include "tuner/searchers/tpe/parzen.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace autotune::tpe {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kHalfLog2Pi = 0.91893853320467274178;
constexpr int kMaxRejections = 100;

// P(a <= Z <= b) for a standard normal Z and a <= b, accurate in both tails.
double NormalMass(double a, double b) {
  if (a > 0) return 0.5 * (std::erfc(a * kInvSqrt2) - std::erfc(b * kInvSqrt2));
  if (b < 0) return 0.5 * (std::erfc(-b * kInvSqrt2) - std::erfc(-a * kInvSqrt2));
  return 0.5 * (std::erf(b * kInvSqrt2) - std::erf(a * kInvSqrt2));
}

double LogSumExp(const std::vector<double>& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v) m = std::max(m, x);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double x : v) {
    // Terms below exp(-50) ~ 2e-22 of the largest cannot move the sum of up to
    // 1e5 terms by a double's precision; skipping them saves most exp calls.
    if (x - m > -50) s += std::exp(x - m);
  }
  return m + std::log(s);
}

// The unit-cube cell [lo, hi] of the integer value that u decodes to
// (SearchSpace's encoding: half a step each side, log where log).
std::pair<double, double> IntCell(const IntDist& d, double u) {
  u = std::clamp(u, 0.0, 1.0);
  double lo = static_cast<double>(d.low) - 0.5, hi = static_cast<double>(d.high) + 0.5;
  if (d.log) lo = std::log(lo), hi = std::log(hi);
  double v = lo + u * (hi - lo);
  if (d.log) v = std::exp(v);
  const auto i = std::clamp<std::int64_t>(std::llround(v), d.low, d.high);
  double a = static_cast<double>(i) - 0.5, b = static_cast<double>(i) + 0.5;
  if (d.log) a = std::log(a), b = std::log(b);
  return {(a - lo) / (hi - lo), (b - lo) / (hi - lo)};
}

int ChoiceOf(double u, int choices) {
  return std::clamp(static_cast<int>(std::floor(u * choices)), 0, choices - 1);
}

// Univariate bandwidths: the larger gap to a sorted neighbour among the
// observations and the prior's centre (endpoints 0 and 1); the lowest and
// highest points use their inner gap. Returns one per observation.
std::vector<double> NeighbourGaps(const std::vector<double>& mus) {
  const std::size_t m = mus.size() + 1;
  std::vector<std::pair<double, std::size_t>> sorted(m);  // (position, kernel), ties by kernel
  for (std::size_t i = 0; i < mus.size(); ++i) sorted[i] = {mus[i], i};
  sorted[m - 1] = {0.5, m - 1};
  std::sort(sorted.begin(), sorted.end());
  auto at = [&](std::size_t i) { return i == 0 ? 0.0 : i == m + 1 ? 1.0 : sorted[i - 1].first; };
  std::vector<double> sigma(mus.size());
  for (std::size_t i = 1; i <= m; ++i) {
    double s = std::max(at(i) - at(i - 1), at(i + 1) - at(i));
    if (m >= 2 && i == 1) s = at(2) - at(1);
    if (m >= 2 && i == m) s = at(m) - at(m - 1);
    if (sorted[i - 1].second < mus.size()) sigma[sorted[i - 1].second] = s;
  }
  return sigma;
}

}  // namespace

DimModel ModelOf(const SearchSpace& space, std::size_t i) {
  DimModel m;
  const auto& dist = space.params()[i].dist;
  if (auto* c = std::get_if<CategoricalDist>(&dist)) {
    m.kind = DimModel::Kind::kCategorical;
    m.choices = static_cast<int>(c->choices.size());
  } else if (auto* n = std::get_if<IntDist>(&dist)) {
    m.kind = DimModel::Kind::kInteger;
    m.ints = *n;
  }
  return m;
}

std::vector<double> DefaultWeights(std::size_t n) {
  std::vector<double> w(n, 1.0);
  if (n < 25) return w;
  const std::size_t ramp = n - 25;
  const double start = 1.0 / static_cast<double>(n);
  for (std::size_t i = 0; i < ramp; ++i) {
    w[i] = ramp == 1 ? start : start + (1.0 - start) * static_cast<double>(i) / static_cast<double>(ramp - 1);
  }
  return w;
}

std::size_t DefaultGamma(std::size_t n) {
  return std::min<std::size_t>(static_cast<std::size_t>(std::ceil(0.1 * static_cast<double>(n))), 25);
}

ParzenEstimator::ParzenEstimator(std::vector<DimModel> dims, const std::vector<std::vector<double>>& columns,
                                 const std::vector<double>& weights, double prior_weight,
                                 bool bandwidth_weighted, double scott_floor)
    : dims_(std::move(dims)), numeric_(dims_.size()), cats_(dims_.size()), log_cats_(dims_.size()) {
  const std::size_t n = weights.size();
  const std::size_t kernels = n + 1;  // the prior kernel is last
  std::vector<double> w = weights;
  w.push_back(n == 0 ? 1.0 : prior_weight);
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  double running = 0;
  for (double x : w) {
    log_weights_.push_back(std::log(x / total));
    running += x / total;
    cumulative_.push_back(running);
  }
  cumulative_.back() = 1.0;

  // The numeric bandwidths' lower clip, the same in every dimension.
  const double scott_min = scott_floor * std::pow(static_cast<double>(kernels), -1.0 / (dims_.size() + 4.0));
  const double min_sigma = std::max(1.0 / std::min(100.0, 1.0 + static_cast<double>(kernels)), scott_min);
  for (std::size_t d = 0; d < dims_.size(); ++d) {
    const std::vector<double>& col = columns[d];
    if (dims_[d].kind == DimModel::Kind::kCategorical) {
      const int k = dims_[d].choices;
      auto& probs = cats_[d];
      probs.assign(kernels, std::vector<double>(k, prior_weight / static_cast<double>(kernels)));
      for (std::size_t j = 0; j < n; ++j) probs[j][ChoiceOf(col[j], k)] += 1.0;
      for (auto& row : probs) {
        const double s = std::accumulate(row.begin(), row.end(), 0.0);
        for (double& p : row) p /= s;
      }
      log_cats_[d].assign(k, std::vector<double>(kernels));
      for (std::size_t j = 0; j < kernels; ++j) {
        for (int c = 0; c < k; ++c) log_cats_[d][c][j] = std::log(probs[j][c]);
      }
      continue;
    }
    NumericKernels& nk = numeric_[d];
    nk.mu.assign(col.begin(), col.begin() + static_cast<std::ptrdiff_t>(n));
    nk.sigma = NeighbourGaps(nk.mu);
    for (double& s : nk.sigma) s = std::clamp(s, min_sigma, 1.0);
    nk.mu.push_back(0.5);
    nk.sigma.push_back(1.0);
    for (std::size_t j = 0; j < kernels; ++j) {
      const double z = NormalMass(-nk.mu[j] / nk.sigma[j], (1.0 - nk.mu[j]) / nk.sigma[j]);
      nk.inv_sigma.push_back(1.0 / nk.sigma[j]);
      nk.log_z.push_back(std::log(z));
      const double log_sigma = bandwidth_weighted ? 0.0 : std::log(nk.sigma[j]);
      nk.log_norm.push_back(-log_sigma - kHalfLog2Pi - nk.log_z.back());
    }
  }
}

std::vector<std::vector<double>> ParzenEstimator::Sample(std::mt19937_64& rng, int count,
                                                         double shrink) const {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::vector<double>> out(count, std::vector<double>(dims_.size()));
  for (auto& x : out) {
    for (std::size_t d = 0; d < dims_.size(); ++d) {
      const auto k = static_cast<std::size_t>(
          std::upper_bound(cumulative_.begin(), cumulative_.end(), uniform(rng)) - cumulative_.begin());
      const std::size_t kernel = std::min(k, cumulative_.size() - 1);
      if (dims_[d].kind == DimModel::Kind::kCategorical) {
        const auto& probs = cats_[d][kernel];
        double r = uniform(rng), acc = 0;
        int choice = dims_[d].choices - 1;
        for (int c = 0; c < dims_[d].choices; ++c) {
          acc += probs[c];
          if (r < acc) {
            choice = c;
            break;
          }
        }
        x[d] = (choice + 0.5) / dims_[d].choices;
        continue;
      }
      // Truncated normal by rejection: every kernel keeps at least ~34% of its
      // mass inside [0, 1] (mu in [0, 1], sigma <= 1), so this ends quickly.
      const double mu = numeric_[d].mu[kernel], sigma = shrink * numeric_[d].sigma[kernel];
      double v = std::clamp(mu, 0.0, 1.0);
      for (int t = 0; t < kMaxRejections; ++t) {
        const double draw = mu + sigma * normal(rng);
        if (draw >= 0.0 && draw <= 1.0) {
          v = draw;
          break;
        }
      }
      x[d] = v;
    }
  }
  return out;
}

void ParzenEstimator::AddLogFactors(std::size_t d, double x, std::vector<double>* terms) const {
  double* t = terms->data();
  const std::size_t kernels = terms->size();
  if (dims_[d].kind == DimModel::Kind::kCategorical) {
    const std::vector<double>& lp = log_cats_[d][ChoiceOf(x, dims_[d].choices)];
    for (std::size_t k = 0; k < kernels; ++k) t[k] += lp[k];
    return;
  }
  const NumericKernels& nk = numeric_[d];
  if (dims_[d].kind == DimModel::Kind::kInteger) {
    const auto [lo, hi] = IntCell(dims_[d].ints, x);
    for (std::size_t k = 0; k < kernels; ++k) {
      const double mass = NormalMass((lo - nk.mu[k]) * nk.inv_sigma[k], (hi - nk.mu[k]) * nk.inv_sigma[k]);
      if (mass > 1e-300) {
        t[k] += std::log(mass) - nk.log_z[k];
      } else {  // far tail: the density at the cell's centre times its width
        const double z = (0.5 * (lo + hi) - nk.mu[k]) * nk.inv_sigma[k];
        t[k] += -0.5 * z * z + nk.log_norm[k] + std::log(hi - lo);
      }
    }
    return;
  }
  const double* mu = nk.mu.data();
  const double* inv = nk.inv_sigma.data();
  const double* norm = nk.log_norm.data();
  for (std::size_t k = 0; k < kernels; ++k) {
    const double z = (x - mu[k]) * inv[k];
    t[k] += norm[k] - 0.5 * z * z;
  }
}

double ParzenEstimator::LogPdf(const std::vector<double>& x) const {
  std::vector<double> terms = log_weights_;
  for (std::size_t d = 0; d < dims_.size(); ++d) AddLogFactors(d, x[d], &terms);
  return LogSumExp(terms);
}

}  // namespace autotune::tpe
