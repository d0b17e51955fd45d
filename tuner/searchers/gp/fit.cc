#include "tuner/searchers/gp/fit.h"

#include <LBFGSB.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <exception>
#include <limits>
#include <random>

#include "tuner/core/rng.h"

namespace autotune::gp {
namespace {

constexpr double kLog2Pi = 1.8378770664093453;

KernelParams DefaultParams(Eigen::Index d) { return {Eigen::VectorXd::Ones(d), 1.0, 1e-2}; }

// Σ_ab g_ab δᵢ(x_a, x_b) for every dimension i, g symmetric.
Eigen::VectorXd WeightedDistanceSums(const KernelInputs& in, const Eigen::MatrixXd& g) {
  const Eigen::Index d = in.x.rows(), n = in.x.cols();
  Eigen::VectorXd out(d);
  const Eigen::VectorXd row_sums = g.rowwise().sum();
  for (Eigen::Index i = 0; i < d; ++i) {
    const Eigen::VectorXd xi = in.x.row(i).transpose();
    if (!in.categorical[i]) {
      // Σ g_ab (x_a − x_b)² = 2 Σ_a x_a² (g·1)_a − 2 xᵀ g x.
      out[i] = 2 * xi.cwiseAbs2().dot(row_sums) - 2 * xi.dot(g * xi);
      continue;
    }
    double s = 0;
    for (Eigen::Index b = 0; b < n; ++b) {
      for (Eigen::Index a = b + 1; a < n; ++a) {
        if (CategoryDiffers(xi[a], xi[b])) s += 2 * g(a, b);
      }
    }
    out[i] = s;
  }
  return out;
}

// −LogPosterior for L-BFGS-B, remembering the best point it evaluated (the
// solver may throw on a failed line search and leave its iterate anywhere).
class NegativeLogPosterior {
 public:
  NegativeLogPosterior(const KernelInputs& in, const Eigen::VectorXd& y, bool deterministic)
      : in_(in), y_(y), deterministic_(deterministic) {}

  double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd& grad) {
    const double lp = LogPosterior(in_, y_, theta, &grad);
    if (!std::isfinite(lp)) {
      grad.setZero(theta.size());
      return std::numeric_limits<double>::max();
    }
    grad = -grad;
    if (deterministic_) grad[grad.size() - 1] = 0;
    if (-lp < best_value_) best_value_ = -lp, best_theta_ = theta;
    return -lp;
  }

  double best_value() const { return best_value_; }
  const Eigen::VectorXd& best_theta() const { return best_theta_; }

 private:
  const KernelInputs& in_;
  const Eigen::VectorXd& y_;
  bool deterministic_;
  double best_value_ = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_theta_;
};

}  // namespace

Eigen::VectorXd ToTheta(const KernelParams& p) {
  const Eigen::Index d = p.inv_sq_lengthscales.size();
  Eigen::VectorXd theta(d + 2);
  theta.head(d) = p.inv_sq_lengthscales.array().log().matrix();
  theta[d] = std::log(p.signal);
  theta[d + 1] = std::log(p.noise);
  return theta;
}

KernelParams FromTheta(const Eigen::VectorXd& theta) {
  const Eigen::Index d = theta.size() - 2;
  return {theta.head(d).array().exp().matrix(), std::exp(theta[d]), std::exp(theta[d + 1])};
}

double LogPosterior(const KernelInputs& in, const Eigen::VectorXd& y, const Eigen::VectorXd& theta,
                    Eigen::VectorXd* grad) {
  const KernelParams p = FromTheta(theta);
  const Eigen::Index n = y.size(), d = p.inv_sq_lengthscales.size();
  Eigen::MatrixXd slope;
  const Eigen::MatrixXd k =
      Matern52(SquaredDistances(in.x, in.x, p.inv_sq_lengthscales, in.categorical), p.signal, &slope);
  Eigen::MatrixXd kn = k;
  kn.diagonal().array() += p.noise;
  Eigen::LLT<Eigen::MatrixXd> llt(kn);
  if (llt.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
  const Eigen::VectorXd alpha = llt.solve(y);
  const double log_det = 2 * llt.matrixLLT().diagonal().array().log().sum();
  double lp = -0.5 * y.dot(alpha) - 0.5 * log_det - 0.5 * static_cast<double>(n) * kLog2Pi;
  const Eigen::ArrayXd lambda = p.inv_sq_lengthscales.array();
  lp += -(0.1 / lambda + 0.1 * lambda).sum();
  lp += std::log(p.signal) - p.signal;             // Gamma(2, 1), up to a constant
  lp += 0.1 * std::log(p.noise) - 30.0 * p.noise;  // Gamma(1.1, 30), up to a constant
  if (!std::isfinite(lp)) return -std::numeric_limits<double>::infinity();
  if (!grad) return lp;

  // ∂/∂θ log p(y) = ½ tr(W ∂K/∂θ) with W = ααᵀ − K⁻¹.
  Eigen::MatrixXd w = -llt.solve(Eigen::MatrixXd::Identity(n, n));
  w.noalias() += alpha * alpha.transpose();
  grad->resize(d + 2);
  // ∂K/∂log λᵢ = s·m′(d²)·λᵢ·δᵢ elementwise.
  const Eigen::MatrixXd g = w.cwiseProduct(slope);
  const Eigen::VectorXd sums = WeightedDistanceSums(in, g);
  grad->head(d) = (0.5 * lambda * sums.array() + 0.1 / lambda - 0.1 * lambda).matrix();
  (*grad)[d] = 0.5 * w.cwiseProduct(k).sum() + 1 - p.signal;
  (*grad)[d + 1] = 0.5 * p.noise * w.trace() + 0.1 - 30.0 * p.noise;
  return lp;
}

KernelParams FitKernelParams(const KernelInputs& in, const Eigen::VectorXd& y, const FitOptions& options) {
  const Eigen::Index d = in.x.rows();
  Eigen::VectorXd lb(d + 2), ub(d + 2);
  lb.head(d).setConstant(std::log(kMinInvSqLengthscale));
  ub.head(d).setConstant(std::log(kMaxInvSqLengthscale));
  lb[d] = std::log(kMinSignal), ub[d] = std::log(kMaxSignal);
  lb[d + 1] = std::log(kMinNoise), ub[d + 1] = options.deterministic ? lb[d + 1] : std::log(kMaxNoise);

  std::vector<Eigen::VectorXd> starts;
  if (options.warm_start) starts.push_back(ToTheta(*options.warm_start));
  if (options.include_default || starts.empty()) starts.push_back(ToTheta(DefaultParams(d)));
  auto rng = StreamRng(options.seed, 0x6b65726eULL);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int r = 0; r < options.random_starts; ++r) {
    Eigen::VectorXd t(d + 2);
    for (Eigen::Index i = 0; i < d; ++i) t[i] = 2.3 * u(rng);  // λ in [0.1, 10]
    t[d] = 0.7 * u(rng);
    t[d + 1] = std::log(1e-2) + 2.3 * u(rng);
    starts.push_back(t);
  }

  LBFGSpp::LBFGSBParam<double> param;
  param.max_iterations = options.max_iterations;
  // Optuna stops at a projected gradient of 1e-2 (scipy's pgtol); the log
  // posterior is O(n), so that is a tight optimum.
  param.epsilon = 1e-2;
  param.epsilon_rel = 0;
  param.max_linesearch = 30;
  param.past = 1;
  param.delta = 1e-6;
  NegativeLogPosterior objective(in, y, options.deterministic);
  for (const auto& start : starts) {
    Eigen::VectorXd theta = start.cwiseMax(lb).cwiseMin(ub);
    double value = 0;
    try {
      LBFGSpp::LBFGSBSolver<double> solver(param);
      solver.minimize(objective, theta, value, lb, ub);
    } catch (const std::exception&) {
      // A failed line search: the best point evaluated so far still counts.
    }
  }
  if (!std::isfinite(objective.best_value())) return FromTheta(starts.front().cwiseMax(lb).cwiseMin(ub));
  return FromTheta(objective.best_theta());
}

}  // namespace autotune::gp
