#include "bench/bbob/instance.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace autotune::bbob {
namespace {

// One step of the minimal standard generator (multiplier 16807, modulus
// 2^31 - 1) by Schrage's method, exactly as the legacy code computes it.
std::int64_t Next(std::int64_t seed) {
  const auto q = static_cast<std::int64_t>(std::floor(static_cast<double>(seed) / 127773.0));
  seed = 16807 * (seed - q * 127773) - 2836 * q;
  return seed < 0 ? seed + 2147483647 : seed;
}

}  // namespace

std::vector<double> LegacyUniform(std::size_t n, std::int64_t seed) {
  seed = std::max<std::int64_t>(1, seed < 0 ? -seed : seed);
  std::int64_t table[32];
  for (int i = 39; i >= 0; --i) {  // 8 warm-up steps, then fill the table from the end
    seed = Next(seed);
    if (i < 32) table[i] = seed;
  }
  std::int64_t current = table[0];
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    seed = Next(seed);
    const auto slot = static_cast<std::int64_t>(std::floor(static_cast<double>(current) / 67108865.0));
    current = table[slot];
    table[slot] = seed;
    out[i] = static_cast<double>(current) / 2.147483647e9;
    if (out[i] == 0.0) out[i] = 1e-99;
  }
  return out;
}

std::vector<double> LegacyGauss(std::size_t n, std::int64_t seed) {
  const std::vector<double> u = LegacyUniform(2 * n, seed);
  std::vector<double> g(n);
  for (std::size_t i = 0; i < n; ++i) {
    g[i] = std::sqrt(-2 * std::log(u[i])) * std::cos(2 * std::numbers::pi * u[n + i]);
    if (g[i] == 0.0) g[i] = 1e-99;
  }
  return g;
}

Eigen::MatrixXd LegacyRotation(std::int64_t seed, int d) {
  const std::vector<double> g = LegacyGauss(static_cast<std::size_t>(d) * d, seed);
  Eigen::MatrixXd b(d, d);
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < d; ++j) b(i, j) = g[static_cast<std::size_t>(j) * d + i];
  }
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < i; ++j) b.col(i) -= b.col(i).dot(b.col(j)) * b.col(j);
    b.col(i) /= std::sqrt(b.col(i).squaredNorm());
  }
  return b;
}

Eigen::VectorXd LegacyXopt(std::int64_t seed, int d) {
  const std::vector<double> u = LegacyUniform(static_cast<std::size_t>(d), seed);
  Eigen::VectorXd x(d);
  for (int i = 0; i < d; ++i) {
    x[i] = 8 * std::floor(1e4 * u[i]) / 1e4 - 4;
    if (x[i] == 0.0) x[i] = -1e-5;
  }
  return x;
}

double LegacyFopt(int function, int instance) {
  const std::int64_t seed = ProblemSeed(function, instance);
  const double g1 = LegacyGauss(1, seed)[0], g2 = LegacyGauss(1, seed + 1)[0];
  return std::clamp(std::floor(100.0 * 100.0 * g1 / g2 + 0.5) / 100.0, -1000.0, 1000.0);
}

std::int64_t ProblemSeed(int function, int instance) {
  const int base = function == 4 ? 3 : function == 18 ? 17 : function;
  return base + 10000LL * instance;
}

}  // namespace autotune::bbob
