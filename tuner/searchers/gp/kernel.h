// The GP's covariance: Matérn-5/2 with one inverse squared length scale per
// input dimension (ARD), a signal variance and an observation-noise variance.
//   d² = Σᵢ λᵢ·δᵢ(x, x′),  δᵢ = (xᵢ − x′ᵢ)² for ordered dimensions and
//   1[xᵢ ≠ x′ᵢ] for categorical ones (compared as unit-cube codes);
//   k(x, x′) = s·m(d²),  m(d²) = (1 + √5·r + 5/3·r²)·exp(−√5·r), r = √d².
#pragma once

#include <Eigen/Core>
#include <vector>

namespace autotune::gp {

struct KernelParams {
  Eigen::VectorXd inv_sq_lengthscales;  // λ, one per input dimension, > 0
  double signal = 1;                    // s > 0
  double noise = 1e-2;                  // observation-noise variance > 0
};

// Inputs are the columns of a d×n matrix; categorical[i] marks dimension i.
struct KernelInputs {
  Eigen::MatrixXd x;
  std::vector<bool> categorical;
};

// d² between every column of a (d×n) and every column of b (d×m): an n×m matrix.
Eigen::MatrixXd SquaredDistances(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                                 const Eigen::VectorXd& lambda, const std::vector<bool>& categorical);
// Same with a given transposed (n×d), for callers that reuse it.
Eigen::MatrixXd SquaredDistancesFromRows(const Eigen::ArrayXXd& a_rows, const Eigen::MatrixXd& b,
                                         const Eigen::VectorXd& lambda, const std::vector<bool>& categorical);

// s·m(d²) elementwise; with slope, also s·dm/d(d²) (finite at d² = 0).
Eigen::MatrixXd Matern52(const Eigen::MatrixXd& d2, double signal, Eigen::MatrixXd* slope = nullptr);

// True when two categorical codes name different choices.
inline bool CategoryDiffers(double a, double b) { return a - b > 1e-9 || b - a > 1e-9; }

}  // namespace autotune::gp
