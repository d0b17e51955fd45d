// bench/asha: ASHA against the same searcher without a scheduler, on a task
// with real learning curves (bench/tasks/fmnist_mlp: an MLP trained on
// Fashion-MNIST; lr, momentum, weight decay and width are tuned), over
// several seeds. For each: the best final val_acc each reaches and the total
// training steps each spends. ASHA gets --asha-trials trials (default twice
// --trials): early stopping is there to look at more configurations for less
// compute.
//
//   asha [--seeds N] [--trials N] [--asha-trials N] [--max-steps S] [--min-steps M] [--eta E]
//        [--workers W] [--searcher random|tpe|...] [--work DIR]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "bench/study_runner.h"

using namespace autotune;

int main(int argc, char** argv) {
  CLI::App app{"ASHA against no scheduler on Fashion-MNIST learning curves"};
  int seeds = 5, trials = 27, asha_trials = 0, max_steps = 81, min_steps = 3, eta = 3, workers = 2;
  std::string searcher = "random", work = "/tmp/autotune-bench-asha";
  app.add_option("--seeds", seeds)->capture_default_str();
  app.add_option("--trials", trials, "Trials of the study without a scheduler")->capture_default_str();
  app.add_option("--asha-trials", asha_trials, "Trials of the ASHA study (default: 2 x --trials)");
  app.add_option("--max-steps", max_steps)->capture_default_str();
  app.add_option("--min-steps", min_steps, "ASHA's first rung")->capture_default_str();
  app.add_option("--eta", eta, "ASHA's reduction factor")->capture_default_str();
  app.add_option("--workers", workers, "Trial processes at a time")->capture_default_str();
  app.add_option("--searcher", searcher)->capture_default_str();
  app.add_option("--work", work, "Scratch folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (asha_trials <= 0) asha_trials = 2 * trials;
  const std::string data = bench::PrepareFashionMnist(work + "/fmnist");
  const std::string program =
      std::filesystem::absolute(std::filesystem::path(argv[0]).parent_path() / "fmnist_mlp").string();

  auto spec = [&](int seed, bool asha) {
    nlohmann::json j = {
        {"name", asha ? "asha" : "none"},
        {"objective", {{"metric", "val_acc"}, {"mode", "max"}}},
        {"space",
         {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 1.0}, {"log", true}}},
          {"momentum", {{"type", "float"}, {"low", 0.0}, {"high", 0.99}}},
          {"weight_decay", {{"type", "float"}, {"low", 1e-6}, {"high", 1e-2}, {"log", true}}},
          {"hidden", {{"type", "int"}, {"low", 16}, {"high", 128}, {"log", true}}}}},
        {"searcher", {{"algorithm", searcher}}},
        {"trial", {{"command", {program}}, {"max_steps", max_steps}, {"env", {{"FMNIST_DIR", data}}}}},
        {"budget", {{"max_trials", asha ? asha_trials : trials}, {"max_parallel", workers}}},
        {"seed", seed}};
    if (asha) j["scheduler"] = {{"algorithm", "asha"}, {"min_steps", min_steps}, {"reduction_factor", eta}};
    return j.dump();
  };

  std::printf("ASHA (%d trials) vs none (%d trials): %s searcher, max_steps %d, min_steps %d, eta %d, %d workers\n",
              asha_trials, trials, searcher.c_str(), max_steps, min_steps, eta, workers);
  std::printf("| seed | none best val_acc | none steps | asha best val_acc | asha steps | steps ratio |\n"
              "|---|---|---|---|---|---|\n");
  std::vector<double> ratios, gaps;
  int matched = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    auto none = bench::RunStudy(spec(seed, false), work + "/none-" + std::to_string(seed), workers);
    auto asha = bench::RunStudy(spec(seed, true), work + "/asha-" + std::to_string(seed), workers);
    for (const auto* o : {&none, &asha}) {
      if (!o->status.ok() || !o->best) {
        std::fprintf(stderr, "seed %d: study failed: %s\n", seed, o->status.ToString().c_str());
        return 1;
      }
    }
    const double a = *asha.best->value, n = *none.best->value;
    const double ratio = static_cast<double>(asha.steps) / static_cast<double>(none.steps);
    ratios.push_back(ratio);
    gaps.push_back(a - n);
    matched += a >= n - 0.005;
    std::printf("| %d | %.4f | %lld | %.4f | %lld | %.3f |\n", seed, n, static_cast<long long>(none.steps), a,
                static_cast<long long>(asha.steps), ratio);
    std::fflush(stdout);
  }
  std::sort(ratios.begin(), ratios.end());
  std::sort(gaps.begin(), gaps.end());
  std::printf("\nmedian steps ratio %.3f (max %.3f); median val_acc gap asha - none %+.4f (worst %+.4f); "
              "asha within 0.005 of none on %d of %d seeds\n",
              ratios[ratios.size() / 2], ratios.back(), gaps[gaps.size() / 2], gaps.front(), matched, seeds);
  return 0;
}
