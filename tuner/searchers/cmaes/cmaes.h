// CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial"), one run: mean,
// step size with cumulative step-size adaptation, full covariance with
// rank-one and rank-mu updates, positive recombination weights
// w_i ∝ ln((λ+1)/2) - ln i over the μ = ⌊λ/2⌋ best. Constants as in
// /work/shared/ALGORITHMS.md "CMA-ES constants". Candidates live in the box
// [-1, 1]^n: a draw outside it is redrawn up to kResampleTries times, then
// clipped, and the update uses the point actually evaluated.
//
// Deterministic: every draw comes from the generator the caller passes.
#pragma once

#include <Eigen/Dense>
#include <deque>
#include <functional>
#include <random>
#include <vector>

namespace autotune::cmaes {

struct Constants {
  int n = 0, lambda = 0, mu = 0;
  std::vector<double> weights;  // μ positive weights, summing to 1
  double mu_eff = 0, c1 = 0, c_mu = 0, c_sigma = 0, d_sigma = 0, c_c = 0, chi_n = 0;
};

// Hansen's default population size 4 + ⌊3 ln n⌋.
int DefaultPopulation(int n);
Constants MakeConstants(int n, int lambda);

class Cmaes {
 public:
  static constexpr int kResampleTries = 10;

  Cmaes(const Eigen::VectorXd& mean, double sigma, int lambda);

  // One candidate inside [-1, 1]^n, from standard normal draws of `rng`.
  template <typename Rng>
  Eigen::VectorXd Sample(Rng& rng) const {
    std::normal_distribution<double> normal(0.0, 1.0);
    return SampleWith([&] { return normal(rng); });
  }
  Eigen::VectorXd SampleWith(const std::function<double()>& standard_normal) const;

  // An external candidate (Hansen, "Injecting external solutions into
  // CMA-ES", 2011): its step from the mean is shortened to Mahalanobis length
  // at most √n + 2n/(n + 2) under σ²C, then the point is clipped to the box,
  // so that one injected point cannot upset the step-size adaptation.
  Eigen::VectorXd Admit(const Eigen::VectorXd& x) const;

  // Updates the distribution from one whole generation (λ points and losses,
  // smaller is better; ties keep the given order).
  void Tell(const std::vector<Eigen::VectorXd>& points, const std::vector<double>& losses);

  // True once this run has converged or stalled and a restart is due:
  // the step is below 1e-10 on every axis (TolX), the best losses of the last
  // 10 + ⌈30n/λ⌉ generations and the last generation's losses span less than
  // 1e-12 (TolFun), the best loss has not improved over that many generations
  // (stagnation), or the covariance's condition number exceeds 1e14.
  bool ShouldStop() const;

  // Moves the mean and sets the largest axis's step sigma·max(d) to `step`,
  // keeping the covariance's shape; the evolution paths restart.
  void Recenter(const Eigen::VectorXd& mean, double step);
  double step() const { return sigma_ * scale_.maxCoeff(); }

  const Constants& constants() const { return k_; }
  const Eigen::VectorXd& mean() const { return mean_; }
  double sigma() const { return sigma_; }
  const Eigen::MatrixXd& covariance() const { return cov_; }
  int generation() const { return generation_; }

 private:
  void Decompose();

  Constants k_;
  Eigen::VectorXd mean_, p_sigma_, p_c_;
  double sigma_;
  Eigen::MatrixXd cov_, basis_;  // C = B diag(d²) Bᵀ
  Eigen::VectorXd scale_;        // d: square roots of C's eigenvalues
  int generation_ = 0;
  std::deque<double> best_per_generation_;  // the last window's best losses
  std::vector<double> last_losses_;
  double best_ever_;
  int best_ever_generation_ = 0;
};

}  // namespace autotune::cmaes
