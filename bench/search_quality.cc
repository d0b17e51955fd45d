// search_quality: runs searchers on the public benchmark functions one trial at
// a time (Suggest(history, 1), then record the loss) and prints the median
// regret after 20, 50 and 100 trials beside Optuna 3.1.0's reference figures
// (/work/shared/bench/REFERENCE.md), then the seconds each Suggest call takes
// with 100 and 1,000 completed trials of history in 6-D.
//
//   search_quality [--algorithms gp,tpe:multivariate=false] [--functions branin,extra]
//                  [--seeds 10] [--trials 100] [--no-timing] [--quartiles]
//
// `extra` adds six functions without Optuna figures here (bench/extra_functions.h;
// bench/optuna_reference.py measures Optuna on all of them).
//
// An algorithm may carry options after a colon: name:opt=value:opt=value.
// Algorithms the registry does not know are reported as "unknown" and skipped.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/algorithm_arg.h"
#include "bench/extra_functions.h"
#include "bench/functions.h"
#include "tuner/searchers/random.h"
#include "tuner/searchers/searcher.h"

namespace autotune::bench {
namespace {

constexpr int kCheckpoints[] = {20, 50, 100};

// Optuna's figures from REFERENCE.md: {function, sampler} -> regret at 20/50/100.
const std::map<std::pair<std::string, std::string>, std::array<double, 3>> kOptuna = {
    {{"branin", "random"}, {3.168, 0.8836, 0.1984}},
    {{"branin", "tpe"}, {1.036, 0.1814, 0.01629}},
    {{"branin", "tpe_multivariate"}, {1.79, 0.1373, 0.08924}},
    {{"branin", "cmaes"}, {4.823, 1.129, 0.01335}},
    {{"hartmann6", "random"}, {2.172, 1.742, 1.286}},
    {{"hartmann6", "tpe"}, {1.978, 0.5751, 0.2768}},
    {{"hartmann6", "tpe_multivariate"}, {1.024, 0.3225, 0.1805}},
    {{"hartmann6", "cmaes"}, {1.776, 0.922, 0.2454}},
};

// The Optuna sampler an autotune algorithm is compared with, or "".
std::string OptunaCounterpart(const AlgorithmSpec& spec) {
  if (spec.algorithm == "random") return "random";
  if (spec.algorithm == "hazero") return "cmaes";
  if (spec.algorithm == "tpe") return "tpe";  // Optuna's default TPESampler is the bar, whatever our options
  return "";
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// "[q1 q3]": the lower and upper quartiles (nearest rank).
std::string Quartiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return "[" + Fmt(v[v.size() / 4]) + " " + Fmt(v[(3 * v.size()) / 4]) + "]";
}

// Runs one seed sequentially; fills regret[c] for each checkpoint reached.
Status RunOnce(const AlgorithmSpec& spec, const BenchFunction& f, std::uint64_t seed, int trials,
               std::vector<double>* regret_at) {
  // The budget, as a study passes budget.max_trials (auto picks by it).
  AT_ASSIGN_OR_RETURN(auto searcher, MakeSearcher(spec, f.space, seed, 1, trials));
  History history;
  double best = std::numeric_limits<double>::infinity();
  regret_at->clear();
  for (int t = 1; t <= trials; ++t) {
    AT_ASSIGN_OR_RETURN(auto params, searcher->Suggest(history, 1));
    if (params.size() != 1) {
      return Status::Internal("suggested " + std::to_string(params.size()) + " params at trial " +
                              std::to_string(t - 1) + " with nothing in flight");
    }
    AT_RETURN_IF_ERROR(f.space.Validate(params[0]));
    const double loss = f.eval(params[0]);
    best = std::min(best, loss);
    history.trials.push_back({params[0], TrialState::kCompleted, loss});
    for (int c : kCheckpoints) {
      if (t == c) regret_at->push_back(best - f.minimum);
    }
  }
  return Status::Ok();
}

// Mean seconds of one Suggest(history, 1) with `n` random completed trials of
// hartmann6 history; a fresh searcher per call so no cache can answer it.
StatusOr<double> SecondsPerSuggestion(const AlgorithmSpec& spec, int n, int calls) {
  const BenchFunction f = Hartmann6Function();
  History history;
  for (int i = 0; i < n; ++i) {
    Params p = f.space.Decode(RandomUnitPoint(f.space.dims(), 12345, i));
    history.trials.push_back({p, TrialState::kCompleted, f.eval(p)});
  }
  double total = 0;
  for (int c = 0; c < calls; ++c) {
    AT_ASSIGN_OR_RETURN(auto searcher, MakeSearcher(spec, f.space, c));
    const auto start = std::chrono::steady_clock::now();
    AT_ASSIGN_OR_RETURN(auto params, searcher->Suggest(history, 1));
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (params.empty()) return Status::Internal("suggested nothing");
  }
  return total / calls;
}

bool IsUnknown(const Status& s) { return s.field() == "searcher.algorithm"; }

int Main(int argc, char** argv) {
  CLI::App app{"Median regret of autotune's searchers on branin and hartmann6, beside Optuna's"};
  std::string algorithms = "auto,random,sobol,gp,tpe,hazero,pshe2", functions = "branin,hartmann6";
  int seeds = 10, trials = 100;
  bool no_timing = false, quartiles = false;
  app.add_option("--algorithms", algorithms, "comma-separated; options as name:opt=value");
  app.add_option(
      "--functions", functions,
      "comma-separated: branin, hartmann6, rosenbrock4, styblinski4, levy5, ackley3, camel, finetune; "
      "extra: the last six");
  app.add_option("--seeds", seeds, "seeds per (algorithm, function)")->check(CLI::PositiveNumber);
  app.add_option("--trials", trials, "trials per run")->check(CLI::PositiveNumber);
  app.add_flag("--no-timing", no_timing, "skip the seconds-per-suggestion table");
  app.add_flag("--quartiles", quartiles, "print each median's quartiles as [q1 q3] beside it");
  CLI11_PARSE(app, argc, argv);

  std::vector<AlgorithmSpec> specs;
  for (const auto& a : SplitList(algorithms, ',')) specs.push_back(ParseAlgorithmArg(a));
  std::vector<BenchFunction> funcs;
  std::vector<BenchFunction> known_functions = AllFunctions();
  for (auto& f : ExtraFunctions()) known_functions.push_back(std::move(f));
  for (const auto& name : SplitList(functions, ',')) {
    if (name == "extra") {
      for (auto& f : ExtraFunctions()) funcs.push_back(std::move(f));
      continue;
    }
    bool found = false;
    for (auto& f : known_functions) {
      if (f.name == name) funcs.push_back(f), found = true;
    }
    if (!found) return std::fprintf(stderr, "unknown function '%s'\n", name.c_str()), 2;
  }

  std::printf(
      "Median regret over %d seeds, one trial at a time (autotune rows measured now; optuna rows from "
      "REFERENCE.md)\n\n",
      seeds);
  std::printf("| function | sampler | 20 trials | 50 trials | 100 trials |\n|---|---|---|---|---|\n");
  std::vector<std::string> unknown;
  std::vector<AlgorithmSpec> known;
  for (const auto& spec : specs) {
    auto probe = MakeSearcher(spec, funcs.empty() ? BraninFunction().space : funcs[0].space, 0);
    if (!probe.ok() && IsUnknown(probe.status())) {
      unknown.push_back(spec.algorithm);
      continue;
    }
    if (!probe.ok()) return std::fprintf(stderr, "%s\n", probe.status().ToString().c_str()), 2;
    known.push_back(spec);
  }
  for (const auto& f : funcs) {
    for (const auto& spec : known) {
      std::vector<std::vector<double>> per_checkpoint(std::size(kCheckpoints));
      std::string failure;
      for (int s = 0; s < seeds && failure.empty(); ++s) {
        std::vector<double> regret;
        Status st = RunOnce(spec, f, s, trials, &regret);
        if (!st.ok()) failure = "seed " + std::to_string(s) + ": " + st.ToString();
        for (std::size_t c = 0; c < regret.size(); ++c) per_checkpoint[c].push_back(regret[c]);
      }
      std::string row = "| " + f.name + " | autotune " + AlgorithmLabel(spec);
      for (const auto& values : per_checkpoint) {
        row += " | " + (values.empty() || !failure.empty() ? std::string("-") : Fmt(Median(values)));
        if (quartiles && !values.empty() && failure.empty()) row += " " + Quartiles(values);
      }
      std::printf("%s |%s\n", row.c_str(), failure.empty() ? "" : (" failed: " + failure).c_str());
      std::fflush(stdout);
      auto ref = kOptuna.find({f.name, OptunaCounterpart(spec)});
      if (ref != kOptuna.end()) {
        std::printf("| %s | optuna %s | %s | %s | %s |\n", f.name.c_str(), ref->first.second.c_str(),
                    Fmt(ref->second[0]).c_str(), Fmt(ref->second[1]).c_str(), Fmt(ref->second[2]).c_str());
      }
    }
  }
  for (const auto& u : unknown) std::printf("\n%s: unknown (not registered), skipped", u.c_str());
  std::printf("\n");

  if (no_timing) return 0;
  std::printf(
      "\nSeconds per suggestion (Suggest(history, 1), random completed history in 6-D; Optuna TPE: "
      "0.030 s at 900 trials)\n\n");
  std::printf("| sampler | 100 trials | 1000 trials |\n|---|---|---|\n");
  for (const auto& spec : known) {
    std::string row = "| " + AlgorithmLabel(spec);
    for (auto [n, calls] : {std::pair{100, 5}, std::pair{1000, 3}}) {
      auto secs = SecondsPerSuggestion(spec, n, calls);
      row += " | " + (secs.ok() ? Fmt(*secs) : "failed: " + secs.status().ToString());
    }
    std::printf("%s |\n", row.c_str());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace autotune::bench

int main(int argc, char** argv) { return autotune::bench::Main(argc, argv); }
