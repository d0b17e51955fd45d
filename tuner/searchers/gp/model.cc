#include "tuner/searchers/gp/model.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>

namespace autotune::gp {
namespace {
constexpr double kMinVariance = 1e-12;
}  // namespace

StatusOr<GpModel> GpModel::Create(KernelInputs in, Eigen::VectorXd y, KernelParams params) {
  GpModel m(std::move(in), std::move(params));
  const Eigen::MatrixXd d2 = PairwiseSquaredDistances(m.in_, m.params_.inv_sq_lengthscales);
  Eigen::MatrixXd k = d2.unaryExpr([&](double v) { return m.params_.signal * Matern52(v); });
  k.diagonal().array() += m.params_.noise;
  // Duplicate inputs with tiny noise can make K singular in floating point;
  // a growing jitter keeps the factorisation usable.
  for (double jitter : {0.0, 1e-8, 1e-6, 1e-4, 1e-2}) {
    if (jitter == 0) {
      m.llt_.compute(k);
    } else {
      m.llt_.compute(k + Eigen::MatrixXd::Identity(k.rows(), k.cols()) * (jitter * m.params_.signal));
    }
    if (m.llt_.info() != Eigen::Success) continue;
    m.alpha_ = m.llt_.solve(y);
    if (m.alpha_.allFinite()) return m;
  }
  return Status::Internal("GP covariance matrix is not positive definite");
}

Eigen::VectorXd GpModel::CrossCovariance(const double* x, Eigen::VectorXd* slope) const {
  const Eigen::Index n = in_.x.cols();
  Eigen::VectorXd k(n);
  if (slope) slope->resize(n);
  for (Eigen::Index a = 0; a < n; ++a) {
    const double d2 =
        ScaledSquaredDistance(x, in_.x.col(a).data(), params_.inv_sq_lengthscales, in_.categorical);
    k[a] = params_.signal * Matern52(d2);
    if (slope) (*slope)[a] = params_.signal * Matern52Slope(d2);
  }
  return k;
}

void GpModel::Posterior(const double* x, double* mean, double* var) const {
  const Eigen::VectorXd k = CrossCovariance(x, nullptr);
  *mean = k.dot(alpha_);
  const Eigen::VectorXd v = llt_.matrixL().solve(k);
  *var = std::max(params_.signal - v.squaredNorm(), kMinVariance);
}

void GpModel::PosteriorWithGradient(const double* x, double* mean, double* var, Eigen::VectorXd* dmean,
                                    Eigen::VectorXd* dvar) const {
  Eigen::VectorXd slope;
  const Eigen::VectorXd k = CrossCovariance(x, &slope);
  *mean = k.dot(alpha_);
  const Eigen::VectorXd w = llt_.solve(k);  // K⁻¹ k
  const double raw_var = params_.signal - k.dot(w);
  *var = std::max(raw_var, kMinVariance);
  // dk_a/dx_i = slope_a · 2λᵢ(xᵢ − X_ai) on ordered dimensions.
  const Eigen::VectorXd gm = slope.cwiseProduct(alpha_);
  const Eigen::VectorXd gv = slope.cwiseProduct(w);
  const Eigen::Index d = static_cast<Eigen::Index>(dims());
  dmean->setZero(d);
  dvar->setZero(d);
  const bool clamped = raw_var < kMinVariance;
  for (Eigen::Index i = 0; i < d; ++i) {
    if (in_.categorical[i]) continue;
    const double scale = 2 * params_.inv_sq_lengthscales[i];
    const Eigen::ArrayXd diff = x[i] - in_.x.row(i).transpose().array();
    (*dmean)[i] = scale * (gm.array() * diff).sum();
    if (!clamped) (*dvar)[i] = -2 * scale * (gv.array() * diff).sum();
  }
}

void GpModel::PosteriorBatch(const Eigen::MatrixXd& xs, Eigen::VectorXd* mean, Eigen::VectorXd* var) const {
  const Eigen::Index m = xs.cols(), n = in_.x.cols();
  Eigen::MatrixXd k(n, m);
  for (Eigen::Index c = 0; c < m; ++c) k.col(c) = CrossCovariance(xs.col(c).data(), nullptr);
  *mean = k.transpose() * alpha_;
  llt_.matrixL().solveInPlace(k);
  *var = (params_.signal - k.colwise().squaredNorm().transpose().array()).max(kMinVariance).matrix();
}

}  // namespace autotune::gp
