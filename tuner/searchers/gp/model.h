// GpModel: exact GP regression posterior for fixed kernel parameters.
// Observations are y = f(x) + ε, ε ~ N(0, noise); the posterior is of the
// latent f (its variance excludes the noise), which is what EI scores.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "tuner/core/status.h"
#include "tuner/searchers/gp/kernel.h"

namespace autotune::gp {

class GpModel {
 public:
  // in.x: d×n inputs (n ≥ 1), y: n targets. Fails only when the Gram matrix
  // stays numerically singular after adding jitter.
  static StatusOr<GpModel> Create(KernelInputs in, Eigen::VectorXd y, KernelParams params);

  // Posterior mean and variance of f at x (d values); variance ≥ 1e-12.
  void Posterior(const double* x, double* mean, double* var) const;
  // Same, with the gradients with respect to x (zero for categorical dims).
  void PosteriorWithGradient(const double* x, double* mean, double* var, Eigen::VectorXd* dmean,
                             Eigen::VectorXd* dvar) const;
  // Posterior at each column of xs.
  void PosteriorBatch(const Eigen::MatrixXd& xs, Eigen::VectorXd* mean, Eigen::VectorXd* var) const;

  const KernelParams& params() const { return params_; }
  std::size_t dims() const { return in_.categorical.size(); }

 private:
  GpModel(KernelInputs in, KernelParams params) : in_(std::move(in)), params_(std::move(params)) {}
  // k(x, X) as a column of n values, and optionally each dm/d(d²) times s.
  Eigen::VectorXd CrossCovariance(const double* x, Eigen::VectorXd* slope) const;

  KernelInputs in_;
  Eigen::ArrayXXd rows_;  // in_.x transposed: one contiguous column per dimension
  KernelParams params_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;  // K⁻¹ y
};

}  // namespace autotune::gp
