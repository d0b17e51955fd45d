#include "tuner/searchers/gp/kernel.h"

#include <cmath>

namespace autotune::gp {

Eigen::MatrixXd SquaredDistances(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                                 const Eigen::VectorXd& lambda, const std::vector<bool>& categorical) {
  return SquaredDistancesFromRows(a.transpose().array(), b, lambda, categorical);
}

Eigen::MatrixXd SquaredDistancesFromRows(const Eigen::ArrayXXd& rows, const Eigen::MatrixXd& b,
                                         const Eigen::VectorXd& lambda,
                                         const std::vector<bool>& categorical) {
  const Eigen::Index d = rows.cols(), n = rows.rows(), m = b.cols();
  Eigen::MatrixXd d2 = Eigen::MatrixXd::Zero(n, m);
  for (Eigen::Index c = 0; c < m; ++c) {
    auto col = d2.col(c).array();
    for (Eigen::Index i = 0; i < d; ++i) {
      const auto diff = rows.col(i) - b(i, c);
      if (categorical[static_cast<std::size_t>(i)]) {
        col += lambda[i] * (diff.abs() > 1e-9).cast<double>();
      } else {
        col += lambda[i] * diff.square();
      }
    }
  }
  return d2;
}

Eigen::MatrixXd Matern52(const Eigen::MatrixXd& d2, double signal, Eigen::MatrixXd* slope) {
  const double sqrt5 = std::sqrt(5.0);
  const Eigen::ArrayXXd r = d2.array().max(0.0).sqrt();
  const Eigen::ArrayXXd e = (-sqrt5 * r).exp();
  if (slope) *slope = (-5.0 / 6.0 * signal) * (1 + sqrt5 * r) * e;
  return signal * (1 + sqrt5 * r + 5.0 / 3.0 * d2.array().max(0.0)) * e;
}

}  // namespace autotune::gp
