#include "tuner/searchers/cmaes/cmaes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace autotune::cmaes {
namespace {

constexpr double kTolX = 1e-10;
constexpr double kTolFun = 1e-12;
constexpr double kMaxCondition = 1e14;
constexpr double kMinEigenvalue = 1e-30;

int Window(const Constants& k) {
  return 10 + static_cast<int>(std::ceil(30.0 * k.n / static_cast<double>(k.lambda)));
}

}  // namespace

int DefaultPopulation(int n) {
  return 4 + static_cast<int>(std::floor(3.0 * std::log(static_cast<double>(n))));
}

Constants MakeConstants(int n, int lambda) {
  Constants k;
  k.n = n;
  k.lambda = lambda;
  k.mu = lambda / 2;
  const double nd = n;
  for (int i = 1; i <= k.mu; ++i) k.weights.push_back(std::log((lambda + 1) / 2.0) - std::log(double(i)));
  const double sum = std::accumulate(k.weights.begin(), k.weights.end(), 0.0);
  double sq = 0;
  for (double& w : k.weights) w /= sum, sq += w * w;
  k.mu_eff = 1.0 / sq;
  k.c1 = 2.0 / ((nd + 1.3) * (nd + 1.3) + k.mu_eff);
  k.c_mu =
      std::min(1.0 - k.c1, 2.0 * (k.mu_eff - 2.0 + 1.0 / k.mu_eff) / ((nd + 2.0) * (nd + 2.0) + k.mu_eff));
  k.c_sigma = (k.mu_eff + 2.0) / (nd + k.mu_eff + 5.0);
  k.d_sigma = 1.0 + 2.0 * std::max(0.0, std::sqrt((k.mu_eff - 1.0) / (nd + 1.0)) - 1.0) + k.c_sigma;
  k.c_c = (4.0 + k.mu_eff / nd) / (nd + 4.0 + 2.0 * k.mu_eff / nd);
  k.chi_n = std::sqrt(nd) * (1.0 - 1.0 / (4.0 * nd) + 1.0 / (21.0 * nd * nd));
  return k;
}

Cmaes::Cmaes(const Eigen::VectorXd& mean, double sigma, int lambda)
    : k_(MakeConstants(static_cast<int>(mean.size()), lambda)),
      mean_(mean),
      p_sigma_(Eigen::VectorXd::Zero(mean.size())),
      p_c_(Eigen::VectorXd::Zero(mean.size())),
      sigma_(sigma),
      cov_(Eigen::MatrixXd::Identity(mean.size(), mean.size())),
      basis_(Eigen::MatrixXd::Identity(mean.size(), mean.size())),
      scale_(Eigen::VectorXd::Ones(mean.size())),
      best_ever_(std::numeric_limits<double>::infinity()) {}

Eigen::VectorXd Cmaes::SampleWith(const std::function<double()>& standard_normal) const {
  Eigen::VectorXd x(mean_.size());
  for (int t = 0; t < kResampleTries; ++t) {
    Eigen::VectorXd z(mean_.size());
    for (auto& v : z) v = standard_normal();
    x = mean_ + sigma_ * (basis_ * scale_.cwiseProduct(z));
    if ((x.array() >= -1.0).all() && (x.array() <= 1.0).all()) return x;
  }
  return x.cwiseMax(-1.0).cwiseMin(1.0);
}

Eigen::VectorXd Cmaes::Admit(const Eigen::VectorXd& x) const {
  const Eigen::VectorXd y = (x - mean_) / sigma_;
  const double length = (basis_.transpose() * y).cwiseQuotient(scale_).norm();
  const double n = static_cast<double>(k_.n);
  const double cap = std::sqrt(n) + 2.0 * n / (n + 2.0);
  const Eigen::VectorXd admitted = length > cap ? Eigen::VectorXd(mean_ + sigma_ * y * (cap / length)) : x;
  return admitted.cwiseMax(-1.0).cwiseMin(1.0);
}

void Cmaes::Tell(const std::vector<Eigen::VectorXd>& points, const std::vector<double>& losses) {
  const int n = k_.n;
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return losses[a] < losses[b]; });

  std::vector<Eigen::VectorXd> y(k_.mu);
  Eigen::VectorXd y_w = Eigen::VectorXd::Zero(n);
  for (int i = 0; i < k_.mu; ++i) {
    y[i] = (points[order[i]] - mean_) / sigma_;
    y_w += k_.weights[i] * y[i];
  }
  mean_ += sigma_ * y_w;

  // C^(-1/2) y_w = B diag(1/d) Bᵀ y_w.
  const Eigen::VectorXd c_inv_sqrt_y = basis_ * (basis_.transpose() * y_w).cwiseQuotient(scale_);
  p_sigma_ =
      (1.0 - k_.c_sigma) * p_sigma_ + std::sqrt(k_.c_sigma * (2.0 - k_.c_sigma) * k_.mu_eff) * c_inv_sqrt_y;
  ++generation_;
  const double norm_ps = p_sigma_.norm();
  const double correction = std::sqrt(1.0 - std::pow(1.0 - k_.c_sigma, 2.0 * generation_));
  const bool h_sigma = norm_ps / correction < (1.4 + 2.0 / (n + 1.0)) * k_.chi_n;
  p_c_ = (1.0 - k_.c_c) * p_c_;
  if (h_sigma) p_c_ += std::sqrt(k_.c_c * (2.0 - k_.c_c) * k_.mu_eff) * y_w;
  const double delta = h_sigma ? 0.0 : k_.c_c * (2.0 - k_.c_c);

  Eigen::MatrixXd rank_mu = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < k_.mu; ++i) rank_mu += k_.weights[i] * y[i] * y[i].transpose();
  cov_ = (1.0 + k_.c1 * delta - k_.c1 - k_.c_mu) * cov_ + k_.c1 * p_c_ * p_c_.transpose() + k_.c_mu * rank_mu;
  cov_ = 0.5 * (cov_ + cov_.transpose());
  // Capped so a single generation can at most multiply the step by e.
  sigma_ *= std::exp(std::min(1.0, (k_.c_sigma / k_.d_sigma) * (norm_ps / k_.chi_n - 1.0)));
  Decompose();

  const double best = losses[order[0]];
  if (best < best_ever_) best_ever_ = best, best_ever_generation_ = generation_;
  best_per_generation_.push_back(best);
  if (static_cast<int>(best_per_generation_.size()) > Window(k_)) best_per_generation_.pop_front();
  last_losses_ = losses;
}

void Cmaes::Recenter(const Eigen::VectorXd& mean, double step) {
  mean_ = mean;
  sigma_ = step / scale_.maxCoeff();
  p_sigma_.setZero();
  p_c_.setZero();
}

void Cmaes::Decompose() {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(cov_);
  basis_ = solver.eigenvectors();
  scale_ = solver.eigenvalues().cwiseMax(kMinEigenvalue).cwiseSqrt();
}

bool Cmaes::ShouldStop() const {
  if (generation_ == 0) return false;
  if (sigma_ * scale_.maxCoeff() < kTolX) return true;
  const double max_d = scale_.maxCoeff(), min_d = scale_.minCoeff();
  if (max_d * max_d > kMaxCondition * min_d * min_d) return true;
  const int window = Window(k_);
  if (static_cast<int>(best_per_generation_.size()) >= window) {
    double lo = *std::min_element(best_per_generation_.begin(), best_per_generation_.end());
    double hi = *std::max_element(best_per_generation_.begin(), best_per_generation_.end());
    for (double l : last_losses_) lo = std::min(lo, l), hi = std::max(hi, l);
    if (hi - lo < kTolFun) return true;
  }
  return generation_ - best_ever_generation_ >= window;
}

}  // namespace autotune::cmaes
