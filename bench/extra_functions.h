// More objectives for bench/search_quality.cc, beyond the two with Optuna
// reference figures: a searcher tuned only on branin and hartmann6 can overfit
// them. None has its optimum at the centre of its box (a start point or prior
// at the centre would otherwise win for free), and one mixes log, int and
// categorical parameters the way a fine-tuning study does. All are minimised
// with a known minimum.
#pragma once

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "bench/functions.h"

namespace autotune::bench {

// f(names[0..d)) evaluated on the params' values in order.
inline std::function<double(const Params&)> OnVector(std::vector<std::string> names,
                                                     std::function<double(const std::vector<double>&)> f) {
  return [names = std::move(names), f = std::move(f)](const Params& p) {
    std::vector<double> x;
    for (const auto& n : names) x.push_back(Get(p, n));
    return f(x);
  };
}

inline std::vector<std::string> Names(int d) {
  std::vector<std::string> names;
  for (int i = 0; i < d; ++i) names.push_back("x" + std::to_string(i));
  return names;
}

// Rosenbrock in 4-D on [-2, 2]^4: a curved valley, minimum 0 at (1, 1, 1, 1).
inline BenchFunction Rosenbrock4Function() {
  const auto names = Names(4);
  return {"rosenbrock4", FloatSpace(names, std::vector<double>(4, -2), std::vector<double>(4, 2)), 0.0,
          OnVector(names, [](const std::vector<double>& x) {
            double s = 0;
            for (std::size_t i = 0; i + 1 < x.size(); ++i) {
              s += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
            }
            return s;
          })};
}

// Styblinski-Tang in 4-D on [-5, 5]^4: 2^4 local minima, the global one
// -39.16617 d at x_i = -2.903534.
inline BenchFunction StyblinskiTang4Function() {
  const auto names = Names(4);
  return {"styblinski4", FloatSpace(names, std::vector<double>(4, -5), std::vector<double>(4, 5)),
          -39.16616570377142 * 4, OnVector(names, [](const std::vector<double>& x) {
            double s = 0;
            for (double v : x) s += std::pow(v, 4) - 16 * v * v + 5 * v;
            return s / 2;
          })};
}

// Levy in 5-D on [-10, 10]^5: rugged, minimum 0 at x_i = 1.
inline BenchFunction Levy5Function() {
  const auto names = Names(5);
  return {"levy5", FloatSpace(names, std::vector<double>(5, -10), std::vector<double>(5, 10)), 0.0,
          OnVector(names, [](const std::vector<double>& x) {
            constexpr double kPi = std::numbers::pi;
            auto w = [](double v) { return 1 + (v - 1) / 4; };
            const double w0 = w(x[0]), wd = w(x.back());
            double s = std::pow(std::sin(kPi * w0), 2);
            for (std::size_t i = 0; i + 1 < x.size(); ++i) {
              const double wi = w(x[i]);
              s += std::pow(wi - 1, 2) * (1 + 10 * std::pow(std::sin(kPi * wi + 1), 2));
            }
            return s + std::pow(wd - 1, 2) * (1 + std::pow(std::sin(2 * kPi * wd), 2));
          })};
}

// Ackley in 3-D on [-10, 25]^3, shifted so that its minimum 0 sits at
// (3.5, -4, 12): a needle in a field of ripples.
inline BenchFunction Ackley3Function() {
  const auto names = Names(3);
  return {"ackley3", FloatSpace(names, std::vector<double>(3, -10), std::vector<double>(3, 25)), 0.0,
          OnVector(names, [](const std::vector<double>& x) {
            constexpr double kPi = std::numbers::pi;
            const double shift[3] = {3.5, -4, 12};
            double sq = 0, cs = 0;
            for (int i = 0; i < 3; ++i) {
              const double v = x[i] - shift[i];
              sq += v * v, cs += std::cos(2 * kPi * v);
            }
            return -20 * std::exp(-0.2 * std::sqrt(sq / 3)) - std::exp(cs / 3) + 20 + std::numbers::e;
          })};
}

// Six-hump camel on x in [-3, 3], y in [-2, 2]: two global minima -1.031628.
inline BenchFunction CamelFunction() {
  return {"camel", FloatSpace({"x", "y"}, {-3, -2}, {3, 2}), -1.0316284534898774, [](const Params& p) {
            const double x = Get(p, "x"), y = Get(p, "y");
            return (4 - 2.1 * x * x + std::pow(x, 4) / 3) * x * x + x * y + (-4 + 4 * y * y) * y * y;
          }};
}

// A fine-tuning-shaped space: lr (log 1e-5..1, best 3e-3), weight decay (log
// 1e-6..0.1, best 1e-4, weakly coupled to lr), warmup steps (int 0..2000, best
// 300), depth (int 1..12, best 7), optimiser (sgd/adam/adamw, adamw best) and
// scale (16..128, best 48). A smooth bowl in the encoded coordinates with a
// per-choice offset; minimum 0.
inline BenchFunction FinetuneFunction() {
  std::vector<ParamSpec> specs = {
      {"lr", FloatDist{1e-5, 1, true, {}}, std::nullopt, 0},
      {"weight_decay", FloatDist{1e-6, 0.1, true, {}}, std::nullopt, 0},
      {"warmup", IntDist{0, 2000, false, {}}, std::nullopt, 0},
      {"depth", IntDist{1, 12, false, {}}, std::nullopt, 0},
      {"optimizer", CategoricalDist{{std::string("sgd"), std::string("adam"), std::string("adamw")}},
       std::nullopt, 0},
      {"scale", FloatDist{16, 128, false, {}}, std::nullopt, 0},
  };
  auto space = SearchSpace::Create(std::move(specs));
  if (!space.ok()) std::abort();
  return {"finetune", std::move(space).value(), 0.0, [](const Params& p) {
            const double lr = std::log10(Get(p, "lr")) - std::log10(3e-3);
            const double wd = std::log10(Get(p, "weight_decay")) + 4;
            const double warm = (Get(p, "warmup") - 300) / 500.0;
            const double depth = (Get(p, "depth") - 7) / 3.0;
            const double scale = (Get(p, "scale") - 48) / 30.0;
            const std::string opt = std::get<std::string>(p.at("optimizer"));
            const double offset = opt == "adamw" ? 0.0 : opt == "adam" ? 0.05 : 0.3;
            return lr * lr + 0.3 * wd * wd + 0.2 * lr * wd + 0.1 * warm * warm + 0.2 * depth * depth +
                   0.15 * scale * scale + offset;
          }};
}

inline std::vector<BenchFunction> ExtraFunctions() {
  return {Rosenbrock4Function(), StyblinskiTang4Function(), Levy5Function(),
          Ackley3Function(),     CamelFunction(),           FinetuneFunction()};
}

}  // namespace autotune::bench
