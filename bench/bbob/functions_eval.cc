// Problem::Raw: the 24 formulas of Hansen et al. 2009 in COCO's order of
// transformations, without f_opt. i is 0-based, e(i) = i / (d - 1).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "bench/bbob/functions.h"

namespace autotune::bbob {
namespace {

constexpr double kTwoPi = 2 * std::numbers::pi;

Eigen::VectorXd Osz(Eigen::VectorXd z) {
  for (double& v : z) v = Tosz(v);
  return z;
}

double Rastrigin(const Eigen::VectorXd& z) {
  double c = 0;
  for (double v : z) c += std::cos(kTwoPi * v);
  return 10 * (static_cast<double>(z.size()) - c) + z.squaredNorm();
}

double Rosenbrock(const Eigen::VectorXd& z) {
  double s = 0;
  for (Eigen::Index i = 0; i + 1 < z.size(); ++i) {
    const double a = z[i] * z[i] - z[i + 1], b = z[i] - 1;
    s += 100 * a * a + b * b;
  }
  return s;
}

double Schaffer(const Eigen::VectorXd& z) {
  double s = 0;
  for (Eigen::Index i = 0; i + 1 < z.size(); ++i) {
    const double t = z[i] * z[i] + z[i + 1] * z[i + 1];
    const double w = std::sin(50 * std::pow(t, 0.1));
    s += std::pow(t, 0.25) * (1 + w * w);
  }
  s /= static_cast<double>(z.size() - 1);
  return s * s;
}

double GriewankRosenbrock(const Eigen::VectorXd& z) {
  double s = 0;
  for (Eigen::Index i = 0; i + 1 < z.size(); ++i) {
    const double a = z[i] * z[i] - z[i + 1], b = 1 - z[i];
    const double t = 100 * a * a + b * b;
    s += t / 4000 - std::cos(t);
  }
  return 10 + 10 * s / static_cast<double>(z.size() - 1);
}

double Weierstrass(const Eigen::VectorXd& z) {
  constexpr int kTerms = 12;
  double f0 = 0, s = 0;
  for (int k = 0; k < kTerms; ++k) f0 += std::pow(0.5, k) * std::cos(kTwoPi * std::pow(3.0, k) * 0.5);
  for (double v : z) {
    for (int k = 0; k < kTerms; ++k) s += std::pow(0.5, k) * std::cos(kTwoPi * (v + 0.5) * std::pow(3.0, k));
  }
  return 10 * std::pow(s / static_cast<double>(z.size()) - f0, 3);
}

double Katsuura(const Eigen::VectorXd& z) {
  const double d = static_cast<double>(z.size());
  double product = 1;
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    double s = 0;
    for (int j = 1; j <= 32; ++j) {
      const double p = std::ldexp(1.0, j);
      s += std::abs(p * z[i] - std::floor(p * z[i] + 0.5)) / p;
    }
    product *= 1 + static_cast<double>(i + 1) * s;
  }
  return 10 / (d * d) * (std::pow(product, 10 / std::pow(d, 1.2)) - 1);
}

}  // namespace

double Problem::Raw(const Eigen::VectorXd& x) const {
  const int d = dim_;
  auto e = [d](Eigen::Index i) { return static_cast<double>(i) / (d - 1.0); };
  const Eigen::VectorXd shifted = x - xopt_;
  switch (function_) {
    case 1:
      return shifted.squaredNorm();
    case 2:
    case 10: {
      const Eigen::VectorXd z = Osz(function_ == 2 ? shifted : Eigen::VectorXd(r_ * shifted));
      double s = 0;
      for (Eigen::Index i = 0; i < d; ++i) s += std::pow(1e6, e(i)) * z[i] * z[i];
      return s;
    }
    case 3: {
      Eigen::VectorXd z = Tasy(Osz(shifted), 0.2);
      for (Eigen::Index i = 0; i < d; ++i) z[i] *= std::pow(10.0, 0.5 * e(i));
      return Rastrigin(z);
    }
    case 4: {
      Eigen::VectorXd z = Osz(shifted);
      for (Eigen::Index i = 0; i < d; ++i)
        z[i] *= std::pow(10.0, 0.5 * e(i)) * (z[i] > 0 && i % 2 == 0 ? 10 : 1);
      return Rastrigin(z) + 100 * Penalty(x);
    }
    case 5: {
      double s = 0;
      for (Eigen::Index i = 0; i < d; ++i) {
        const double si = (xopt_[i] > 0 ? 1 : -1) * std::pow(10.0, e(i));
        s += 5 * std::abs(si) - si * x[i];
      }
      return s;
    }
    case 6: {
      const Eigen::VectorXd z = m_ * shifted;
      double s = 0;
      for (Eigen::Index i = 0; i < d; ++i) s += (xopt_[i] * z[i] > 0 ? 1e4 : 1.0) * z[i] * z[i];
      return std::pow(Tosz(s), 0.9);
    }
    case 7: {
      Eigen::VectorXd z = q_ * shifted;
      for (Eigen::Index i = 0; i < d; ++i) z[i] *= std::pow(10.0, 0.5 * e(i));
      const double first = z[0];
      for (double& v : z) v = std::abs(v) > 0.5 ? std::floor(v + 0.5) : std::floor(10 * v + 0.5) / 10;
      const Eigen::VectorXd w = r_ * z;
      double s = 0;
      for (Eigen::Index i = 0; i < d; ++i) s += std::pow(100.0, e(i)) * w[i] * w[i];
      return 0.1 * std::max(std::abs(first) * 1e-4, s) + Penalty(x);
    }
    case 8:
      return Rosenbrock(
          (std::max(1.0, std::sqrt(static_cast<double>(d)) / 8.0) * shifted.array() + 1.0).matrix());
    case 9:
      return Rosenbrock(((q_ * x).array() + 0.5).matrix());
    case 11: {
      const Eigen::VectorXd z = Osz(r_ * shifted);
      return 1e6 * z[0] * z[0] + z.tail(d - 1).squaredNorm();
    }
    case 12: {
      const Eigen::VectorXd z = r_ * Tasy(r_ * shifted, 0.5);
      return z[0] * z[0] + 1e6 * z.tail(d - 1).squaredNorm();
    }
    case 13: {
      const Eigen::VectorXd z = m_ * shifted;
      return z[0] * z[0] + 100 * std::sqrt(z.tail(d - 1).squaredNorm());
    }
    case 14: {
      const Eigen::VectorXd z = r_ * shifted;
      double s = 0;
      for (Eigen::Index i = 0; i < d; ++i) s += std::pow(std::abs(z[i]), 2 + 4 * e(i));
      return std::sqrt(s);
    }
    case 15:
      return Rastrigin(m_ * Tasy(Osz(r_ * shifted), 0.2));
    case 16:
      return Weierstrass(m_ * Osz(r_ * shifted)) + 10.0 / d * Penalty(x);
    case 17:
    case 18:
      return Schaffer(m_ * Tasy(r_ * shifted, 0.5)) + 10 * Penalty(x);
    case 19:
      return GriewankRosenbrock(((q_ * x).array() + 0.5).matrix());
    case 20: {
      const Eigen::VectorXd hat = 2 * signs_.cwiseProduct(x);
      const Eigen::VectorXd twice_opt = 2 * xopt_.cwiseAbs();
      Eigen::VectorXd z = hat;
      for (Eigen::Index i = 1; i < d; ++i) z[i] += 0.25 * (hat[i - 1] - twice_opt[i - 1]);
      double penalty = 0, s = 0;
      for (Eigen::Index i = 0; i < d; ++i) {
        z[i] = 100 * (std::pow(10.0, 0.5 * e(i)) * (z[i] - twice_opt[i]) + twice_opt[i]);
        const double over = std::abs(z[i]) - 500;
        if (over > 0) penalty += over * over;
        s += z[i] * std::sin(std::sqrt(std::abs(z[i])));
      }
      return 0.01 * (penalty + 418.9828872724339 - s / d);
    }
    case 21:
    case 22: {
      const Eigen::VectorXd rx = r_ * x;
      double best = 0;
      for (Eigen::Index p = 0; p < peaks_.cols(); ++p) {
        const double q = scales_.row(p).dot((rx - peaks_.col(p)).array().square().matrix());
        best = std::max(best, heights_[p] * std::exp(-0.5 / d * q));
      }
      const double t = Tosz(10 - best);
      return t * t + Penalty(x);
    }
    case 23:
      return Katsuura(m_ * shifted) + Penalty(x);
    case 24: {
      constexpr double kMu0 = 2.5;
      const double s = 1 - 0.5 / (std::sqrt(d + 20.0) - 4.1);
      const double mu1 = -std::sqrt((kMu0 * kMu0 - 1) / s);
      Eigen::VectorXd hat = 2 * x;
      for (Eigen::Index i = 0; i < d; ++i) {
        if (xopt_[i] < 0) hat[i] = -hat[i];
      }
      const Eigen::VectorXd z = m_ * (hat.array() - kMu0).matrix();
      double c = 0;
      for (double v : z) c += std::cos(kTwoPi * v);
      const double near = (hat.array() - kMu0).square().sum(), far = (hat.array() - mu1).square().sum();
      return std::min(near, d + s * far) + 10 * (d - c) + 1e4 * Penalty(x);
    }
    default:
      return 0;
  }
}

}  // namespace autotune::bbob
