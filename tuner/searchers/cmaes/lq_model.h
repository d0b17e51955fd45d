// The linear-quadratic surrogate of lq-CMA-ES (Hansen, "A global surrogate
// assisted CMA-ES", GECCO 2019; pycma's cma.fitness_models.Model): a weighted
// least-squares model of the loss over an archive of evaluated points.
//
// - Features: 1 and x (linear); plus x_i² once the archive holds 1.5·(2n + 1)
//   points (diagonal quadratic); plus x_i·x_j once it holds 1.5·(n(n+3)/2 + 1)
//   points (full quadratic, for n <= kMaxFullDimension). The type never goes
//   back within a run.
// - Weights by rank: linearly from 20 (best) to 1 (worst); the coefficients
//   minimise ||W(Zc − f)||² with the minimum norm when underdetermined.
// - Archive: this generation's points ("fresh") plus the best earlier ones,
//   at most max(3λ, r·df_full) points, r from 1.5 growing by 1.1× up to 3
//   whenever a generation's Kendall τ stays below 0.5 with the full model.
//   Points beyond that are dropped worst first (fresh points are never
//   dropped within their generation).
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace autotune::cmaes {

class LqModel {
 public:
  static constexpr int kMaxFullDimension = 12;

  LqModel(int n, int lambda);

  // Adds an evaluated point of the current generation; call Fit before Eval.
  void Add(const Eigen::VectorXd& x, double f);
  void Fit();
  double Eval(const Eigen::VectorXd& x) const;
  int size() const { return static_cast<int>(fresh_.size() + archive_.size()); }

  // Kendall's τ-b between the losses and the model's values over this
  // generation's points and the best earlier ones, max(15, min(1.5·fresh,
  // 0.75λ)) points in all; 0 with fewer than 3 points.
  double KendallTau() const;

  // Ends the generation: the fresh points join the archive (kept sorted) and
  // the archive size limit adapts to `tau`.
  void EndGeneration(double tau);

 private:
  struct Entry {
    Eigen::VectorXd x;
    double f;
  };
  Eigen::VectorXd Features(const Eigen::VectorXd& x) const;
  int MaxSize() const;
  int FullDf() const;

  int n_, lambda_;
  int level_ = 0;  // 0 linear, 1 diagonal quadratic, 2 full quadratic
  double relative_size_ = 1.5;
  std::vector<Entry> archive_;  // earlier generations, best first
  std::vector<Entry> fresh_;    // this generation, in evaluation order
  Eigen::VectorXd coefficients_;
};

// Kendall's τ-b of two equally long sequences (0 when undefined).
double KendallTauB(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace autotune::cmaes
