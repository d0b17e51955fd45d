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
  m.rows_ = m.in_.x.transpose().array();
  Eigen::MatrixXd k = Matern52(
      SquaredDistances(m.in_.x, m.in_.x, m.params_.inv_sq_lengthscales, m.in_.categorical), m.params_.signal);
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
  const Eigen::Map<const Eigen::MatrixXd> point(x, in_.x.rows(), 1);
  const Eigen::MatrixXd d2 =
      SquaredDistancesFromRows(rows_, point, params_.inv_sq_lengthscales, in_.categorical);
  if (!slope) return Matern52(d2, params_.signal);
  Eigen::MatrixXd s;
  Eigen::VectorXd k = Matern52(d2, params_.signal, &s);
  *slope = s;
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
  // In blocks, so the n×block temporaries stay small and cache-resident.
  constexpr Eigen::Index kBlock = 64;
  const Eigen::Index m = xs.cols();
  mean->resize(m);
  var->resize(m);
  for (Eigen::Index c = 0; c < m; c += kBlock) {
    const Eigen::Index w = std::min(kBlock, m - c);
    Eigen::MatrixXd k = Matern52(
        SquaredDistancesFromRows(rows_, xs.middleCols(c, w), params_.inv_sq_lengthscales, in_.categorical),
        params_.signal);
    mean->segment(c, w).noalias() = k.transpose() * alpha_;
    llt_.matrixL().solveInPlace(k);
    var->segment(c, w) =
        (params_.signal - k.colwise().squaredNorm().transpose().array()).max(kMinVariance).matrix();
  }
}

}  // namespace autotune::gp
