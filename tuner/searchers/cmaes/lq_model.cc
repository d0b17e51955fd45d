#include "tuner/searchers/cmaes/lq_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace autotune::cmaes {
namespace {

constexpr double kMinRelativeSize = 1.5;
constexpr double kMaxRelativeSize = 3.0;
constexpr double kRelativeSizeFactor = 1.1;
constexpr double kTauForLargerArchive = 0.5;
constexpr double kMaxWeight = 20.0;
constexpr int kArchivePerLambda = 3;

int Df(int n, int level) { return level == 0 ? n + 1 : level == 1 ? 2 * n + 1 : n * (n + 3) / 2 + 1; }

}  // namespace

LqModel::LqModel(int n, int lambda) : n_(n), lambda_(lambda), coefficients_(Eigen::VectorXd::Zero(n + 1)) {}

int LqModel::FullDf() const { return Df(n_, n_ <= kMaxFullDimension ? 2 : 1); }

int LqModel::MaxSize() const {
  return std::max(kArchivePerLambda * lambda_, static_cast<int>(relative_size_ * FullDf()));
}

void LqModel::Add(const Eigen::VectorXd& x, double f) {
  fresh_.push_back({x, f});
  const int top = n_ <= kMaxFullDimension ? 2 : 1;
  while (level_ < top && size() >= kMinRelativeSize * Df(n_, level_ + 1)) ++level_;
  while (size() > MaxSize() && !archive_.empty()) archive_.pop_back();
}

Eigen::VectorXd LqModel::Features(const Eigen::VectorXd& x) const {
  Eigen::VectorXd z(Df(n_, level_));
  z[0] = 1.0;
  z.segment(1, n_) = x;
  if (level_ >= 1) z.segment(n_ + 1, n_) = x.cwiseProduct(x);
  int k = 2 * n_ + 1;
  if (level_ >= 2) {
    for (int i = 0; i < n_; ++i) {
      for (int j = i + 1; j < n_; ++j) z[k++] = x[i] * x[j];
    }
  }
  return z;
}

void LqModel::Fit() {
  const int m = size(), p = Df(n_, level_);
  std::vector<const Entry*> all;
  for (const auto& e : fresh_) all.push_back(&e);
  for (const auto& e : archive_) all.push_back(&e);
  std::vector<int> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return all[a]->f < all[b]->f; });
  Eigen::MatrixXd wz(m, p);
  Eigen::VectorXd wf(m);
  for (int r = 0; r < m; ++r) {
    const Entry& e = *all[order[r]];
    const double w = m == 1 ? kMaxWeight : kMaxWeight - (kMaxWeight - 1.0) * r / (m - 1.0);
    wz.row(r) = w * Features(e.x).transpose();
    wf[r] = w * e.f;
  }
  coefficients_ = wz.completeOrthogonalDecomposition().solve(wf);
}

double LqModel::Eval(const Eigen::VectorXd& x) const {
  if (coefficients_.size() != Df(n_, level_)) return 0.0;
  return coefficients_.dot(Features(x));
}

double LqModel::KendallTau() const {
  const double fresh = static_cast<double>(fresh_.size());
  const std::size_t number = static_cast<std::size_t>(std::max(15.0, std::min(1.5 * fresh, 0.75 * lambda_)));
  std::vector<double> truth, model;
  for (const auto& e : fresh_) truth.push_back(e.f), model.push_back(Eval(e.x));
  for (std::size_t i = 0; i < archive_.size() && truth.size() < number; ++i) {
    truth.push_back(archive_[i].f), model.push_back(Eval(archive_[i].x));
  }
  if (truth.size() < 3) return 0.0;
  return KendallTauB(truth, model);
}

void LqModel::EndGeneration(double tau) {
  for (auto& e : fresh_) archive_.push_back(std::move(e));
  fresh_.clear();
  std::stable_sort(archive_.begin(), archive_.end(),
                   [](const Entry& a, const Entry& b) { return a.f < b.f; });
  if (level_ == (n_ <= kMaxFullDimension ? 2 : 1) && tau < kTauForLargerArchive) {
    relative_size_ = std::min(kMaxRelativeSize, kRelativeSizeFactor * relative_size_);
  }
  while (size() > MaxSize()) archive_.pop_back();
}

double KendallTauB(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = a.size();
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da == 0 && db == 0) continue;
      if (da == 0) {
        ties_a += 1;
      } else if (db == 0) {
        ties_b += 1;
      } else {
        (da * db > 0 ? concordant : discordant) += 1;
      }
    }
  }
  const double denominator =
      std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  return denominator > 0 ? (concordant - discordant) / denominator : 0.0;
}

}  // namespace autotune::cmaes
