// Benchmark objectives for bench/search_quality.cc, as defined in
// /work/shared/bench/REFERENCE.md (the functions Optuna's reference figures
// were measured on). All are minimised; `minimum` is the known global minimum,
// so regret = best value found - minimum.
#pragma once

#include <array>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "tuner/core/params.h"
#include "tuner/core/space.h"

namespace autotune::bench {

struct BenchFunction {
  std::string name;
  SearchSpace space;
  double minimum = 0;
  std::function<double(const Params&)> eval;
};

inline double Get(const Params& p, const std::string& name) {
  double v = 0;
  AsNumber(p.at(name), &v);
  return v;
}

// Branin-Hoo on x in [-5, 10], y in [0, 15]; three global minima of 0.397887.
inline double Branin(double x, double y) {
  constexpr double kPi = std::numbers::pi;
  const double a = 1, b = 5.1 / (4 * kPi * kPi), c = 5 / kPi, r = 6, s = 10, t = 1 / (8 * kPi);
  const double q = y - b * x * x + c * x - r;
  return a * q * q + s * (1 - t) * std::cos(x) + s;
}

// Hartmann-6 on [0, 1]^6; global minimum -3.32237.
inline double Hartmann6(const std::array<double, 6>& x) {
  static constexpr double kAlpha[4] = {1.0, 1.2, 3.0, 3.2};
  static constexpr double kA[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                      {0.05, 10, 17, 0.1, 8, 14},
                                      {3, 3.5, 1.7, 10, 17, 8},
                                      {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double kP[4][6] = {{1312, 1696, 5569, 124, 8283, 5886},
                                      {2329, 4135, 8307, 3736, 1004, 9991},
                                      {2348, 1451, 3522, 2883, 3047, 6650},
                                      {4047, 8828, 8732, 5743, 1091, 381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) {
      const double d = x[j] - kP[i][j] * 1e-4;
      inner += kA[i][j] * d * d;
    }
    sum += kAlpha[i] * std::exp(-inner);
  }
  return -sum;
}

inline SearchSpace FloatSpace(const std::vector<std::string>& names, const std::vector<double>& lows,
                              const std::vector<double>& highs) {
  std::vector<ParamSpec> specs;
  for (std::size_t i = 0; i < names.size(); ++i) {
    ParamSpec p;
    p.name = names[i];
    p.dist = FloatDist{lows[i], highs[i], false, {}};
    specs.push_back(std::move(p));
  }
  auto space = SearchSpace::Create(std::move(specs));
  if (!space.ok()) std::abort();  // the definitions above are valid by construction
  return std::move(space).value();
}

inline BenchFunction BraninFunction() {
  return {"branin", FloatSpace({"x", "y"}, {-5, 0}, {10, 15}), 0.397887357729739,
          [](const Params& p) { return Branin(Get(p, "x"), Get(p, "y")); }};
}

inline BenchFunction Hartmann6Function() {
  const std::vector<std::string> names = {"x0", "x1", "x2", "x3", "x4", "x5"};
  return {"hartmann6", FloatSpace(names, std::vector<double>(6, 0.0), std::vector<double>(6, 1.0)),
          -3.32236801141551, [names](const Params& p) {
            std::array<double, 6> x;
            for (int j = 0; j < 6; ++j) x[j] = Get(p, names[j]);
            return Hartmann6(x);
          }};
}

inline std::vector<BenchFunction> AllFunctions() { return {BraninFunction(), Hartmann6Function()}; }

}  // namespace autotune::bench
