// bench/pbt: population-based training against random search and against the
// best constant setting, with the same total training steps, on a task whose
// best learning rate changes during training (bench/tasks/fmnist_mlp: an MLP
// trained by SGD on Fashion-MNIST; early on a large step size learns fastest,
// later a small one fits best). Only the learning rate is tuned.
//
//   pbt [--seeds N] [--first-seed K] [--population P] [--max-steps S] [--interval I] [--workers W]
//       [--mode sync|async] [--work DIR]
//
// Per seed: PBT with P members for S steps (P·S steps); random search over the
// learning rate with P trials of S steps; a grid of P learning rates held
// constant for S steps (its best is the best constant setting). The best final
// val_acc of each, and the learned schedule of PBT's best member.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "bench/study_runner.h"
#include "tuner/coordinator/lineage.h"

using namespace autotune;

int main(int argc, char** argv) {
  CLI::App app{"PBT against random search and the best constant learning rate"};
  int seeds = 5, first_seed = 0, population = 8, max_steps = 243, interval = 9, workers = 2;
  std::string work = "/tmp/autotune-bench-pbt";
  std::string mode = "sync";
  app.add_option("--seeds", seeds)->capture_default_str();
  app.add_option("--first-seed", first_seed, "Seeds first-seed, first-seed + 1, ...")->capture_default_str();
  app.add_option("--population", population, "PBT members = random trials = grid points")
      ->capture_default_str();
  app.add_option("--max-steps", max_steps)->capture_default_str();
  app.add_option("--interval", interval, "PBT's perturbation_interval")->capture_default_str();
  app.add_option("--workers", workers, "Trial processes at a time")->capture_default_str();
  app.add_option("--mode", mode,
                 "PBT's mode: sync trains exactly P·S steps; async also re-trains the steps between an "
                 "exploited member's step and its source's checkpoint")
      ->check(CLI::IsMember({"sync", "async"}))
      ->capture_default_str();
  app.add_option("--work", work, "Scratch folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const std::string data = bench::PrepareFashionMnist(work + "/fmnist");
  const std::string program =
      std::filesystem::absolute(std::filesystem::path(argv[0]).parent_path() / "fmnist_mlp").string();

  auto spec = [&](const std::string& name, int seed) {
    nlohmann::json lr = {{"type", "float"}, {"low", 1e-3}, {"high", 1.0}, {"log", true}};
    if (name == "grid") lr["grid_points"] = population;
    nlohmann::json j = {{"name", name},
                        {"objective", {{"metric", "val_acc"}, {"mode", "max"}}},
                        {"space", {{"lr", lr}}},
                        {"searcher", {{"algorithm", name == "grid" ? "grid" : "random"}}},
                        {"trial",
                         {{"command", {program}},
                          {"max_steps", max_steps},
                          {"keep_checkpoints", 1},
                          {"env", {{"FMNIST_DIR", data}}}}},
                        {"budget", {{"max_trials", population}, {"max_parallel", workers}}},
                        {"seed", seed}};
    if (name == "pbt") {
      j["scheduler"] = {{"algorithm", "pbt"},
                        {"population", population},
                        {"perturbation_interval", interval},
                        {"mode", mode}};
    }
    return j.dump();
  };

  std::printf(
      "PBT (%s) vs random vs best constant lr: %d members/trials/grid points, %d steps each, interval %d, "
      "%d workers\n",
      mode.c_str(), population, max_steps, interval, workers);
  std::printf(
      "| seed | pbt best val_acc | random best | best constant lr (grid) | pbt steps | random steps | "
      "grid steps |\n|---|---|---|---|---|---|---|\n");
  int beats_both = 0;
  std::vector<double> gap_random, gap_grid;
  std::string best_schedule;
  double best_pbt = -1;
  for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
    bench::StudyOutcome o[3];
    const char* names[3] = {"pbt", "random", "grid"};
    for (int k = 0; k < 3; ++k) {
      o[k] =
          bench::RunStudy(spec(names[k], seed), work + "/" + names[k] + "-" + std::to_string(seed), workers);
      if (!o[k].status.ok() || !o[k].best) {
        std::fprintf(stderr, "seed %d: %s failed: %s\n", seed, names[k], o[k].status.ToString().c_str());
        return 1;
      }
    }
    const double pbt = *o[0].best->value, random = *o[1].best->value, grid = *o[2].best->value;
    std::printf("| %d | %.4f | %.4f | %.4f (lr %.3g) | %lld | %lld | %lld |\n", seed, pbt, random, grid,
                std::get<double>(o[2].best->params.at("lr")), static_cast<long long>(o[0].steps),
                static_cast<long long>(o[1].steps), static_cast<long long>(o[2].steps));
    std::fflush(stdout);
    beats_both += pbt > random && pbt > grid;
    gap_random.push_back(pbt - random);
    gap_grid.push_back(pbt - grid);
    if (pbt > best_pbt) {
      best_pbt = pbt;
      auto store = OpenSqliteStore(work + "/pbt-" + std::to_string(seed) + "/store.db");
      auto schedule =
          store.ok() ? LearnedScheduleOf(**store, o[0].best->id) : StatusOr<LearnedSchedule>(store.status());
      best_schedule.clear();
      if (schedule.ok()) {
        for (const auto& e : schedule->entries) {
          char line[128];
          std::snprintf(line, sizeof line, "  from step %4lld: lr %.4g (trained by trial %lld)\n",
                        static_cast<long long>(e.step), std::get<double>(e.params.at("lr")),
                        static_cast<long long>(e.trial_id));
          best_schedule += line;
        }
      }
    }
  }
  std::sort(gap_random.begin(), gap_random.end());
  std::sort(gap_grid.begin(), gap_grid.end());
  std::printf(
      "\nPBT beats both on %d of %d seeds; median gap to random %+.4f, to the best constant lr %+.4f\n",
      beats_both, seeds, gap_random[gap_random.size() / 2], gap_grid[gap_grid.size() / 2]);
  std::printf("Learned schedule of the best PBT member (val_acc %.4f):\n%s", best_pbt, best_schedule.c_str());
  return 0;
}
