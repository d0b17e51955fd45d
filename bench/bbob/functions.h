// The 24 noiseless BBOB functions (Hansen et al. 2009, as COCO's `bbob`
// suite implements them) on [-5, 5]^d, and the Gaussian noise model of the
// BBOB noisy suite.
//
// Problem(f, d, i) is COCO's bbob_f<f>_i<i>_d<d> (instances 1-15 are the
// BBOB 2009/2010 ones): Evaluate(x) returns exactly its value, f_opt
// included, so regret = Evaluate(x) - fopt() >= 0 (up to rounding; f20's
// true minimum is a hair below f_opt, as in COCO).
//
// Noise (BBOB noisy suite, "f_GN"): NoisyValue multiplies the regret by
// exp(beta * N(0, 1)) and adds 1.01e-8 when the regret is at least 1e-8;
// beta = 1 is the suite's "severe" Gaussian noise (f107-f128), 0.01 its
// "moderate" one (f101, f104). The normal draw comes from the caller.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

namespace autotune::bbob {

inline constexpr int kNumFunctions = 24;
inline constexpr double kLower = -5.0, kUpper = 5.0;

// COCO's five function groups.
enum class Group { kSeparable, kModerate, kIllConditioned, kMultimodalStructured, kMultimodalWeak };
Group GroupOf(int function);
std::string GroupName(Group g);
// Short names: "sphere", "ellipsoid", ... (index function - 1).
std::string FunctionName(int function);

class Problem {
 public:
  // function in 1..24, dim >= 2, instance >= 1.
  Problem(int function, int dim, int instance);

  int function() const { return function_; }
  int dim() const { return dim_; }
  int instance() const { return instance_; }
  double fopt() const { return fopt_; }
  // A point where Evaluate returns f_opt (f20: within 1e-8 of it).
  const Eigen::VectorXd& xopt() const { return best_; }

  double Evaluate(const Eigen::VectorXd& x) const;

 private:
  double Raw(const Eigen::VectorXd& x) const;  // without f_opt

  int function_, dim_, instance_;
  double fopt_;
  Eigen::VectorXd xopt_;   // the shift the definitions use (not always the optimum)
  Eigen::VectorXd best_;   // the optimum
  Eigen::MatrixXd r_, q_;  // rotations from seed + 1000000 and from seed
  Eigen::MatrixXd m_;      // a precomputed product (R Λ Q and the like), see functions.cc
  Eigen::VectorXd signs_;  // f20, f24: the ±1 vector
  // Gallagher (f21, f22): peak centres (columns, in rotated coordinates),
  // per-peak axis scales (rows) and peak heights.
  Eigen::MatrixXd peaks_, scales_;
  Eigen::VectorXd heights_;
};

// f_opt + (f - f_opt) * exp(beta * normal) (+ 1.01e-8 when f - f_opt >= 1e-8).
double NoisyValue(double value, double fopt, double beta, double normal);

// Shared transformations of the definitions (exposed for tests).
double Tosz(double x);                                        // T_osz, one coordinate
Eigen::VectorXd Tasy(const Eigen::VectorXd& x, double beta);  // T_asy^beta
double Penalty(const Eigen::VectorXd& x);                     // sum of max(0, |x_i| - 5)^2

}  // namespace autotune::bbob
