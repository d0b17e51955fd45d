// Kernel hyperparameter fitting: maximum a posteriori over
// θ = (log λ₁..λ_d, log s, log noise) of
//   log p(y | X, θ) − Σᵢ (0.1/λᵢ + 0.1·λᵢ) + log Gamma(s; 2, 1) + log Gamma(noise; 1.1, 30)
// (Optuna's GPSampler priors: length scales pulled towards 1 on the unit cube,
// a unit signal for standardised targets, small noise), by L-BFGS-B inside
// box bounds, from several starts; the best optimum wins.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>

#include "tuner/searchers/gp/kernel.h"

namespace autotune::gp {

// Bounds of the fitted parameters.
inline constexpr double kMinInvSqLengthscale = 1e-3, kMaxInvSqLengthscale = 1e3;
inline constexpr double kMinSignal = 1e-2, kMaxSignal = 1e2;
inline constexpr double kMinNoise = 1e-6, kMaxNoise = 2;

struct FitOptions {
  std::optional<KernelParams> warm_start;  // tried first when set
  bool include_default = true;             // also start from λ = 1, s = 1, noise = 0.01
  int random_starts = 0;                   // further starts drawn from `seed`
  std::uint64_t seed = 0;
  int max_iterations = 100;
  // Fix the noise at kMinNoise (a deterministic objective).
  bool deterministic = false;
};

// The log marginal likelihood plus log prior at θ, and its gradient in grad
// (when not null). Returns −infinity when K cannot be factorised.
double LogPosterior(const KernelInputs& in, const Eigen::VectorXd& y, const Eigen::VectorXd& theta,
                    Eigen::VectorXd* grad);

// θ of a parameter set and back.
Eigen::VectorXd ToTheta(const KernelParams& p);
KernelParams FromTheta(const Eigen::VectorXd& theta);

// The MAP kernel parameters for (in, y). Never fails: if every start fails it
// returns the warm start or the default.
KernelParams FitKernelParams(const KernelInputs& in, const Eigen::VectorXd& y, const FitOptions& options);

}  // namespace autotune::gp
