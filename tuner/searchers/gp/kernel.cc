#include "tuner/searchers/gp/kernel.h"

#include <cmath>

namespace autotune::gp {
namespace {
const double kSqrt5 = std::sqrt(5.0);
}  // namespace

double Matern52(double d2) {
  const double r = std::sqrt(std::max(d2, 0.0));
  return (1 + kSqrt5 * r + 5.0 / 3.0 * d2) * std::exp(-kSqrt5 * r);
}

double Matern52Slope(double d2) {
  const double r = std::sqrt(std::max(d2, 0.0));
  return -5.0 / 6.0 * (1 + kSqrt5 * r) * std::exp(-kSqrt5 * r);
}

double ScaledSquaredDistance(const double* a, const double* b, const Eigen::VectorXd& lambda,
                             const std::vector<bool>& categorical) {
  double d2 = 0;
  for (Eigen::Index i = 0; i < lambda.size(); ++i) {
    if (categorical[i]) {
      if (CategoryDiffers(a[i], b[i])) d2 += lambda[i];
    } else {
      const double diff = a[i] - b[i];
      d2 += lambda[i] * diff * diff;
    }
  }
  return d2;
}

Eigen::MatrixXd PairwiseSquaredDistances(const KernelInputs& in, const Eigen::VectorXd& lambda) {
  const Eigen::Index n = in.x.cols();
  Eigen::MatrixXd d2(n, n);
  for (Eigen::Index b = 0; b < n; ++b) {
    d2(b, b) = 0;
    for (Eigen::Index a = b + 1; a < n; ++a) {
      d2(a, b) = d2(b, a) = ScaledSquaredDistance(in.x.col(a).data(), in.x.col(b).data(), lambda,
                                                   in.categorical);
    }
  }
  return d2;
}

}  // namespace autotune::gp
