// Problem's set-up: each function's shift, rotations and constants, drawn
// from the legacy generators as COCO's bbob suite does (the transformation
// order is COCO's; see functions_eval.cc for the formulas).
#include "bench/bbob/functions.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "bench/bbob/instance.h"

namespace autotune::bbob {
namespace {

constexpr std::int64_t kSecondRotation = 1000000;

// diag(Λ^alpha): alpha^(0.5 i / (d - 1)).
Eigen::VectorXd LambdaDiag(double alpha, int d) {
  Eigen::VectorXd l(d);
  for (int i = 0; i < d; ++i) l[i] = std::pow(alpha, 0.5 * i / (d - 1.0));
  return l;
}

// Indices of u sorted by value: element k is the index of the k-th smallest.
std::vector<int> ArgSort(const std::vector<double>& u) {
  std::vector<int> idx(u.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return u[a] < u[b]; });
  return idx;
}

}  // namespace

Group GroupOf(int function) {
  if (function <= 5) return Group::kSeparable;
  if (function <= 9) return Group::kModerate;
  if (function <= 14) return Group::kIllConditioned;
  if (function <= 19) return Group::kMultimodalStructured;
  return Group::kMultimodalWeak;
}

std::string GroupName(Group g) {
  switch (g) {
    case Group::kSeparable:
      return "separable";
    case Group::kModerate:
      return "low/moderate conditioning";
    case Group::kIllConditioned:
      return "high conditioning, unimodal";
    case Group::kMultimodalStructured:
      return "multimodal, adequate global structure";
    case Group::kMultimodalWeak:
      return "multimodal, weak global structure";
  }
  return "";
}

std::string FunctionName(int function) {
  static const char* kNames[kNumFunctions] = {"sphere",
                                              "ellipsoid",
                                              "rastrigin",
                                              "bueche-rastrigin",
                                              "linear-slope",
                                              "attractive-sector",
                                              "step-ellipsoid",
                                              "rosenbrock",
                                              "rosenbrock-rot",
                                              "ellipsoid-rot",
                                              "discus",
                                              "bent-cigar",
                                              "sharp-ridge",
                                              "diff-powers",
                                              "rastrigin-rot",
                                              "weierstrass",
                                              "schaffer-f7",
                                              "schaffer-f7-ill",
                                              "griewank-rosenbrock",
                                              "schwefel",
                                              "gallagher101",
                                              "gallagher21",
                                              "katsuura",
                                              "lunacek"};
  return function >= 1 && function <= kNumFunctions ? kNames[function - 1] : "?";
}

Problem::Problem(int function, int dim, int instance)
    : function_(function), dim_(dim), instance_(instance), fopt_(LegacyFopt(function, instance)) {
  if (function < 1 || function > kNumFunctions || dim < 2 || instance < 1) {
    throw std::invalid_argument("no such BBOB problem");
  }
  const int d = dim;
  const std::int64_t seed = ProblemSeed(function, instance);
  auto r = [&] { return LegacyRotation(seed + kSecondRotation, d); };
  auto q = [&] { return LegacyRotation(seed, d); };
  // R diag(Λ) Q, the usual ill-conditioned rotation.
  auto rlq = [&](double alpha) { return Eigen::MatrixXd(r() * LambdaDiag(alpha, d).asDiagonal() * q()); };
  xopt_ = LegacyXopt(function == 12 ? seed + kSecondRotation : seed, d);
  const double rosen_scale = std::max(1.0, std::sqrt(static_cast<double>(d)) / 8.0);

  switch (function) {
    case 4:  // Büche-Rastrigin: the odd (1-based) coordinates of x_opt are positive
      for (int i = 0; i < d; i += 2) xopt_[i] = std::abs(xopt_[i]);
      break;
    case 6:
    case 13:
      m_ = rlq(10);
      break;
    case 7:
      r_ = r();
      q_ = q();
      break;
    case 10:
    case 11:
    case 12:
    case 14:
      r_ = r();
      break;
    case 8:
      xopt_ *= 0.75;
      break;
    case 9:
    case 19:  // z = scale R x + 1/2 with R from the seed itself; optimum at z = 1
      q_ = rosen_scale * q();
      xopt_ = q().transpose() * Eigen::VectorXd::Constant(d, 0.5 / rosen_scale);
      break;
    case 15:
      r_ = r();
      m_ = rlq(10);
      break;
    case 16:
      r_ = r();
      m_ = rlq(0.01);
      break;
    case 17:
    case 18:
      r_ = r();
      m_ = LambdaDiag(function == 17 ? 10 : 1000, d).asDiagonal() * q();
      break;
    case 20: {
      const std::vector<double> u = LegacyUniform(static_cast<std::size_t>(d), seed);
      signs_.resize(d);
      for (int i = 0; i < d; ++i) signs_[i] = u[i] < 0.5 ? -1.0 : 1.0;
      xopt_ = signs_ * (0.5 * 4.2096874637);
      break;
    }
    case 21:
    case 22: {
      const int n = function == 21 ? 101 : 21;
      const double b = function == 21 ? 10.0 : 9.8, c = function == 21 ? 5.0 : 4.9;
      r_ = q();  // Gallagher's rotation comes from the seed itself
      const std::vector<int> order = ArgSort(LegacyUniform(static_cast<std::size_t>(n - 1), seed));
      std::vector<double> condition(n);
      heights_.resize(n);
      condition[0] = function == 21 ? std::sqrt(1000.0) : 1000.0;
      heights_[0] = 10;
      for (int i = 1; i < n; ++i) {
        condition[i] = std::pow(1000.0, order[i - 1] / (n - 2.0));
        heights_[i] = (i - 1.0) / (n - 2.0) * (9.1 - 1.1) + 1.1;
      }
      scales_.resize(n, d);
      for (int i = 0; i < n; ++i) {
        const std::vector<int> axes = ArgSort(LegacyUniform(static_cast<std::size_t>(d), seed + 1000LL * i));
        for (int j = 0; j < d; ++j) scales_(i, j) = std::pow(condition[i], axes[j] / (d - 1.0) - 0.5);
      }
      const std::vector<double> u = LegacyUniform(static_cast<std::size_t>(d) * n, seed);
      Eigen::MatrixXd y(d, n);
      for (int j = 0; j < n; ++j) {
        for (int k = 0; k < d; ++k) y(k, j) = b * u[static_cast<std::size_t>(j) * d + k] - c;
      }
      y.col(0) *= 0.8;
      xopt_ = y.col(0);
      peaks_ = r_ * y;
      break;
    }
    case 23:
      m_ = rlq(100);
      break;
    case 24: {
      const std::vector<double> g = LegacyGauss(static_cast<std::size_t>(d), seed);
      xopt_.resize(d);
      for (int i = 0; i < d; ++i) xopt_[i] = g[i] < 0 ? -1.25 : 1.25;
      m_ = rlq(100);
      break;
    }
    default:
      break;
  }
  best_ = xopt_;
  if (function == 5) {  // the linear slope's optimum is the corner x_opt points to
    for (int i = 0; i < d; ++i) best_[i] = xopt_[i] < 0 ? kLower : kUpper;
  }
}

double Problem::Evaluate(const Eigen::VectorXd& x) const { return Raw(x) + fopt_; }

double NoisyValue(double value, double fopt, double beta, double normal) {
  const double regret = value - fopt;
  if (regret < 1e-8) return value;
  return fopt + regret * std::exp(beta * normal) + 1.01e-8;
}

double Tosz(double x) {
  if (x == 0) return 0;
  const double h = std::log(std::abs(x));
  const double c1 = x > 0 ? 10 : 5.5, c2 = x > 0 ? 7.9 : 3.1;
  return (x > 0 ? 1 : -1) * std::exp(h + 0.049 * (std::sin(c1 * h) + std::sin(c2 * h)));
}

Eigen::VectorXd Tasy(const Eigen::VectorXd& x, double beta) {
  const Eigen::Index d = x.size();
  Eigen::VectorXd y = x;
  for (Eigen::Index i = 0; i < d; ++i) {
    if (x[i] > 0) y[i] = std::pow(x[i], 1 + beta * i / (d - 1.0) * std::sqrt(x[i]));
  }
  return y;
}

double Penalty(const Eigen::VectorXd& x) {
  double p = 0;
  for (double v : x) {
    const double over = std::abs(v) - 5;
    if (over > 0) p += over * over;
  }
  return p;
}

}  // namespace autotune::bbob
