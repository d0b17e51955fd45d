#include "tuner/searchers/gp/acquisition.h"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>

#include "tuner/searchers/gp/log_ei.h"
#include "tuner/searchers/sobol.h"

namespace autotune::gp {
namespace {

constexpr int kMaxRounds = 4;
constexpr double kImproveTol = 1e-6;

bool Scanned(const DimInfo& d, std::int64_t max_scan) {
  return d.categorical || (d.cardinality > 0 && d.cardinality <= max_scan);
}

double CellCentre(std::int64_t cell, std::int64_t cardinality) {
  return (static_cast<double>(cell) + 0.5) / static_cast<double>(cardinality);
}

// −log EI over the free (L-BFGS-B) coordinates, the others held at `base`;
// remembers the best point it evaluated.
class NegativeLogEi {
 public:
  NegativeLogEi(const GpModel& model, double best, const std::vector<Eigen::Index>& free,
                Eigen::VectorXd base)
      : model_(model), best_(best), free_(free), x_(std::move(base)) {}

  double operator()(const Eigen::VectorXd& z, Eigen::VectorXd& grad) {
    for (std::size_t k = 0; k < free_.size(); ++k) x_[free_[k]] = z[k];
    Eigen::VectorXd full;
    const double v = LogEiAt(model_, best_, x_, &full);
    grad.resize(z.size());
    for (std::size_t k = 0; k < free_.size(); ++k) grad[k] = -full[free_[k]];
    if (v > best_value_) best_value_ = v, best_x_ = x_;
    return -v;
  }

  double best_value() const { return best_value_; }
  const Eigen::VectorXd& best_x() const { return best_x_; }

 private:
  const GpModel& model_;
  double best_;
  const std::vector<Eigen::Index>& free_;
  Eigen::VectorXd x_;
  double best_value_ = -std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_x_;
};

// One L-BFGS-B pass over the continuous coordinates of *x, which moves only
// if the pass found a better value than `value`.
void ContinuousStep(const GpModel& model, double best, const std::vector<Eigen::Index>& free,
                    Eigen::VectorXd* x, double value) {
  LBFGSpp::LBFGSBParam<double> param;
  param.max_iterations = 100;
  param.epsilon = 1e-5;
  param.epsilon_rel = 1e-5;
  param.past = 1;
  param.delta = 1e-9;
  param.max_linesearch = 30;
  const Eigen::Index m = static_cast<Eigen::Index>(free.size());
  Eigen::VectorXd z(m);
  for (Eigen::Index k = 0; k < m; ++k) z[k] = (*x)[free[k]];
  NegativeLogEi objective(model, best, free, *x);
  try {
    double fz = 0;
    LBFGSpp::LBFGSBSolver<double> solver(param);
    solver.minimize(objective, z, fz, Eigen::VectorXd::Zero(m), Eigen::VectorXd::Ones(m));
  } catch (const std::exception&) {
    // A failed line search ends the pass; the best point evaluated stands.
  }
  if (objective.best_value() > value) *x = objective.best_x();
}

Proposal LocalSearch(const GpModel& model, double best, const std::vector<DimInfo>& dims,
                     const AcquisitionOptions& options, Eigen::VectorXd x) {
  std::vector<Eigen::Index> free;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (!Scanned(dims[i], options.max_scan)) free.push_back(static_cast<Eigen::Index>(i));
  }
  SnapToCells(dims, &x);
  double value = LogEiAt(model, best, x, nullptr);
  for (int round = 0; round < kMaxRounds; ++round) {
    const double start = value;
    if (!free.empty()) {
      Eigen::VectorXd moved = x;
      ContinuousStep(model, best, free, &moved, value);
      SnapToCells(dims, &moved);  // ints with many values
      const double v = LogEiAt(model, best, moved, nullptr);
      if (v > value) x = moved, value = v;
    }
    for (std::size_t i = 0; i < dims.size(); ++i) {
      if (!Scanned(dims[i], options.max_scan)) continue;
      Eigen::VectorXd trial = x;
      for (std::int64_t c = 0; c < dims[i].cardinality; ++c) {
        trial[i] = CellCentre(c, dims[i].cardinality);
        const double v = LogEiAt(model, best, trial, nullptr);
        if (v > value) x = trial, value = v;
      }
    }
    if (value - start < kImproveTol || free.size() == dims.size()) break;
  }
  return {x, value};
}

}  // namespace

void SnapToCells(const std::vector<DimInfo>& dims, Eigen::VectorXd* x) {
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::int64_t k = dims[i].cardinality;
    if (k <= 0) continue;
    const double u = std::clamp((*x)[i], 0.0, 1.0);
    const auto cell = std::min<std::int64_t>(static_cast<std::int64_t>(u * static_cast<double>(k)), k - 1);
    (*x)[i] = CellCentre(cell, k);
  }
}

double LogEiAt(const GpModel& model, double best, const Eigen::VectorXd& x, Eigen::VectorXd* grad) {
  double mean, var;
  if (!grad) {
    model.Posterior(x.data(), &mean, &var);
    return LogExpectedImprovement(mean, var, best);
  }
  Eigen::VectorXd dmean, dvar;
  model.PosteriorWithGradient(x.data(), &mean, &var, &dmean, &dvar);
  const double sigma = std::sqrt(var), z = (best - mean) / sigma;
  // d log EI = dσ/σ + (log h)′(z)·dz,  dz = −dμ/σ − z·dσ/σ,  dσ = dvar/(2σ).
  const Eigen::VectorXd dsigma_over_sigma = dvar / (2 * var);
  *grad = dsigma_over_sigma + LogHSlope(z) * (-dmean / sigma - z * dsigma_over_sigma);
  return std::log(sigma) + LogH(z);
}

std::vector<Proposal> MaximizeLogEi(const GpModel& model, double best, const std::vector<DimInfo>& dims,
                                    const std::vector<Eigen::VectorXd>& extra_starts,
                                    const AcquisitionOptions& options) {
  const Eigen::Index d = static_cast<Eigen::Index>(dims.size());
  const int n = std::max(1, options.n_candidates);
  SobolSequence sobol(dims.size(), options.seed);
  Eigen::MatrixXd cand(d, n);
  for (int c = 0; c < n; ++c) {
    sobol.Point(static_cast<std::uint64_t>(c), cand.col(c).data());
    Eigen::VectorXd x = cand.col(c);
    SnapToCells(dims, &x);
    cand.col(c) = x;
  }
  Eigen::VectorXd mean, var;
  model.PosteriorBatch(cand, &mean, &var);
  std::vector<double> score(n);
  for (int c = 0; c < n; ++c) score[c] = LogExpectedImprovement(mean[c], var[c], best);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score[a] > score[b]; });

  std::vector<Eigen::VectorXd> starts = extra_starts;
  const std::size_t wanted = extra_starts.size() + static_cast<std::size_t>(std::max(1, options.n_local));
  for (int c : order) {
    if (starts.size() >= wanted) break;
    const Eigen::VectorXd x = cand.col(c);
    bool seen = std::any_of(starts.begin(), starts.end(), [&](const Eigen::VectorXd& s) { return s == x; });
    if (!seen) starts.push_back(x);
  }
  std::vector<Proposal> out;
  for (const auto& s : starts) out.push_back(LocalSearch(model, best, dims, options, s));
  std::stable_sort(out.begin(), out.end(),
                   [](const Proposal& a, const Proposal& b) { return a.log_ei > b.log_ei; });
  return out;
}

}  // namespace autotune::gp
