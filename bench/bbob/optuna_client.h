// Drives bench/bbob/optuna_worker.py (Optuna's samplers) over pipes: one
// worker process per client, started on first use and reused for every run.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::bbob {

class OptunaClient {
 public:
  // python: the interpreter (/usr/bin/python3 has Debian's optuna);
  // script: the path of optuna_worker.py.
  OptunaClient(std::string python, std::string script)
      : python_(std::move(python)), script_(std::move(script)) {}
  ~OptunaClient();
  OptunaClient(const OptunaClient&) = delete;
  OptunaClient& operator=(const OptunaClient&) = delete;

  // A new study of `sampler` (random, tpe, tpe_mv, cmaes) seeded by `seed`
  // over dim floats in [-5, 5].
  Status Start(const std::string& sampler, int seed, int dim);
  StatusOr<std::vector<double>> Ask();
  Status Tell(double value);

 private:
  Status Launch();
  StatusOr<std::string> Call(const std::string& line);

  std::string python_, script_;
  pid_t pid_ = -1;
  std::FILE* to_ = nullptr;
  std::FILE* from_ = nullptr;
};

}  // namespace autotune::bbob
