// bbob: autotune's searchers and Optuna's samplers on the BBOB suite.
//
//   bbob run [--samplers LIST] [--functions 1-24] [--dims 2,5,10,20] [--instances 1-15]
//            [--repeats 1] [--trials 200] [--noise BETA] [--cache DIR] [--shard K/N] [--quick]
//   bbob check
//
// `run` runs every (sampler, function, dim, instance) not yet in the cache
// (bench/bbob/runner.h: one file per cell, a line per finished run, so an
// interrupted run resumes where it stopped) and prints one line per run.
// --repeats R runs each instance R times with different seeds (run ids
// instance + 1000 r, runner.h): medians over 5 instances are noisy enough
// that comparisons for tuning want more runs per cell.
// --shard K/N runs only the cells whose index is K mod N (two processes on
// two cores). --noise BETA runs the noisy variants (f_GN, multiplicative
// Gaussian noise; 1 = the BBOB noisy suite's severe level) of the functions
// given. --quick is a smoke run: f1, f8, f15, f21 at d = 2 and 5, instances
// 1-2, 30 trials, into /tmp/autotune-bbob-quick unless --cache is given.
// Run from the repository root (the Optuna worker is
// bench/bbob/optuna_worker.py, run by /usr/bin/python3).
// bench/bbob/report.py turns the cache into tables and ECDF plots.
//
// `check` verifies the functions: f(x_opt) = f_opt on every function, d in
// {2, 5, 10, 20} and instance 1-15; no random point below f_opt; and prints
// instance 1's f_opt beside COCO's published value.
#include <cmath>
#include <cstdio>
#include <random>

#include "CLI/CLI.hpp"
#include "bench/algorithm_arg.h"
#include "bench/bbob/functions.h"
#include "bench/bbob/runner.h"

namespace autotune::bbob {
namespace {

// "1-5,8" -> {1, 2, 3, 4, 5, 8}.
std::vector<int> ParseRanges(const std::string& text) {
  std::vector<int> out;
  for (const auto& part : bench::SplitList(text, ',')) {
    const auto dash = part.find('-');
    const int lo = std::stoi(part.substr(0, dash));
    const int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
    for (int v = lo; v <= hi; ++v) out.push_back(v);
  }
  return out;
}

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

struct RunArgs {
  std::string samplers =
      "auto,gp,tpe,hazero,pshe2,random,sobol,grid,optuna:random,optuna:tpe,optuna:tpe_mv,optuna:cmaes";
  std::string functions = "1-24", dims = "2,5,10,20", instances = "1-15", cache = "bench/results/bbob/cache";
  std::string shard = "0/1", python = "/usr/bin/python3", worker = "bench/bbob/optuna_worker.py";
  int trials = 200, repeats = 1;
  double noise = 0;
  bool quick = false, cache_given = false;
};

int Run(RunArgs a) {
  if (a.quick) {
    a.functions = "1,8,15,21", a.dims = "2,5", a.instances = "1-2", a.trials = 30;
    if (!a.cache_given) a.cache = "/tmp/autotune-bbob-quick";
  }
  int shard_k = 0, shard_n = 1;
  if (std::sscanf(a.shard.c_str(), "%d/%d", &shard_k, &shard_n) != 2 || shard_n < 1 || shard_k < 0 ||
      shard_k >= shard_n) {
    return std::fprintf(stderr, "--shard must be K/N with 0 <= K < N (got %s)\n", a.shard.c_str()), 2;
  }
  for (int instance : ParseRanges(a.instances)) {
    if (instance < 1 || instance >= kRepeatStride) {
      return std::fprintf(stderr, "--instances: %d is outside 1-%d\n", instance, kRepeatStride - 1), 2;
    }
  }
  OptunaClient optuna(a.python, a.worker);
  const auto samplers = bench::SplitList(a.samplers, ',');
  int cell = -1, failures = 0;
  for (int d : ParseRanges(a.dims)) {
    for (int f : ParseRanges(a.functions)) {
      for (const auto& sampler : samplers) {
        if (++cell % shard_n != shard_k) continue;
        RunSpec spec{sampler, f, d, 1, a.trials, a.noise};
        const std::string path = CellPath(a.cache, spec);
        const auto done = ReadCell(path, a.trials);
        for (int repeat = 0; repeat < a.repeats; ++repeat) {
          for (int instance : ParseRanges(a.instances)) {
            spec.instance = instance, spec.repeat = repeat;
            if (done.count(spec.id())) continue;
            auto result = RunOne(spec, &optuna);
            if (!result.ok()) {
              std::printf("%s f%d d%d i%d failed: %s\n", sampler.c_str(), f, d, spec.id(),
                          result.status().ToString().c_str());
              ++failures;
              continue;
            }
            if (auto st = AppendRun(path, spec.id(), *result); !st.ok()) {
              return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
            }
            const auto& r = result->regret;
            const int n = static_cast<int>(r.size()), at50 = std::min(50, n), at100 = std::min(100, n);
            std::printf("%s f%d d%d i%d %.2fs regret@%d %s @%d %s @%d %s %s\n", sampler.c_str(), f, d,
                        spec.id(), result->seconds, at50, Fmt(r[at50 - 1]).c_str(), at100,
                        Fmt(r[at100 - 1]).c_str(), n, Fmt(r.back()).c_str(), result->describe.c_str());
            std::fflush(stdout);
          }
        }
      }
    }
  }
  return failures ? 1 : 0;
}

// COCO's f_opt of instance 1 (bbob suite), f1..f24.
constexpr double kCocoFoptInstance1[kNumFunctions] = {
    79.48, -209.88, -462.09, -462.09, -9.21,  35.9,   92.94,   149.15, 123.83, -54.94, 76.27, -621.11,
    29.97, -52.35,  1000,    71.35,   -16.94, -16.94, -102.55, -546.5, 40.78,  -1000,  6.87,  102.61};

int Check() {
  int bad = 0;
  for (int f = 1; f <= kNumFunctions; ++f) {
    const Problem first(f, 2, 1);
    const bool same = std::abs(first.fopt() - kCocoFoptInstance1[f - 1]) < 1e-9;
    std::printf("f%-2d %-20s f_opt(i1) %9.2f COCO %9.2f %s\n", f, FunctionName(f).c_str(), first.fopt(),
                kCocoFoptInstance1[f - 1], same ? "ok" : "DIFFERENT");
    bad += !same;
    for (int d : {2, 5, 10, 20}) {
      for (int i = 1; i <= 15; ++i) {
        const Problem p(f, d, i);
        const double at_opt = p.Evaluate(p.xopt()) - p.fopt();
        std::mt19937_64 rng(static_cast<std::uint64_t>(f * 100 + d * 20 + i));
        std::uniform_real_distribution<double> u(kLower, kUpper);
        double lowest = INFINITY;
        for (int k = 0; k < 200; ++k) {
          Eigen::VectorXd x(d);
          for (auto& v : x) v = u(rng);
          lowest = std::min(lowest, p.Evaluate(x) - p.fopt());
        }
        if (std::abs(at_opt) > 1e-8 || lowest < -1e-8 || !(p.xopt().cwiseAbs().maxCoeff() <= 5)) {
          std::printf("  f%d d%d i%d: f(x_opt) - f_opt = %g, lowest random regret %g\n", f, d, i, at_opt,
                      lowest);
          ++bad;
        }
      }
    }
  }
  std::printf("%s\n", bad ? "check FAILED" : "check passed");
  return bad ? 1 : 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"BBOB benchmark of autotune's searchers and Optuna's samplers"};
  app.require_subcommand(1);
  RunArgs a;
  auto* run = app.add_subcommand("run", "run the missing cells");
  run->add_option("--samplers", a.samplers,
                  "autotune searchers (name:opt=value) and optuna:random|tpe|tpe_mv|cmaes");
  run->add_option("--functions", a.functions, "function numbers, ranges allowed (1-24)");
  run->add_option("--dims", a.dims, "dimensions");
  run->add_option("--instances", a.instances, "instances (1-5 tune, 6-15 report)");
  run->add_option("--repeats", a.repeats, "runs per instance, each with its own seed (ids instance + 1000 r)")
      ->check(CLI::Range(1, 999));
  run->add_option("--trials", a.trials, "trials per run")->check(CLI::PositiveNumber);
  run->add_option("--noise", a.noise, "multiplicative Gaussian noise beta (0: noiseless)");
  auto* cache = run->add_option("--cache", a.cache, "cache folder");
  run->add_option("--shard", a.shard, "K/N: run cells K mod N");
  run->add_option("--python", a.python, "Python with optuna 3.1");
  run->add_option("--worker", a.worker, "path of optuna_worker.py");
  run->add_flag("--quick", a.quick, "smoke run");
  auto* check = app.add_subcommand("check", "verify the functions");
  CLI11_PARSE(app, argc, argv);
  if (check->parsed()) return Check();
  a.cache_given = cache->count() > 0;
  return Run(a);
}

}  // namespace
}  // namespace autotune::bbob

int main(int argc, char** argv) { return autotune::bbob::Main(argc, argv); }
