#include "bench/bbob/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "bench/algorithm_arg.h"
#include "bench/bbob/functions.h"
#include "tuner/core/rng.h"
#include "tuner/searchers/searcher.h"

namespace autotune::bbob {
namespace {

constexpr char kOptunaPrefix[] = "optuna:";

std::string Name(int i) { return (i < 10 ? "x0" : "x") + std::to_string(i); }

SearchSpace BoxSpace(int d) {
  std::vector<ParamSpec> params;
  for (int i = 0; i < d; ++i)
    params.push_back({Name(i), FloatDist{kLower, kUpper, false, {}}, std::nullopt, 0});
  return std::move(SearchSpace::Create(std::move(params))).value();
}

// Keeps the incumbent (best value seen) and the trace of its true regret.
class Tracker {
 public:
  Tracker(const Problem& problem, const RunSpec& spec) : problem_(problem), spec_(spec) {}

  // The value the sampler sees for x at trial t (0-based).
  double Observe(const Eigen::VectorXd& x, int t) {
    const double f = problem_.Evaluate(x);
    double seen = f;
    if (spec_.noise_beta > 0) {
      auto rng = StreamRng(Mix64(spec_.function * 1000003ULL + spec_.dim) ^ Mix64(spec_.id()),
                           static_cast<std::uint64_t>(t));
      seen = NoisyValue(f, problem_.fopt(), spec_.noise_beta, std::normal_distribution<double>(0, 1)(rng));
    }
    if (seen < best_seen_) best_seen_ = seen, incumbent_regret_ = std::max(0.0, f - problem_.fopt());
    regret_.push_back(incumbent_regret_);
    return seen;
  }
  // The sampler stopped (an exhausted grid): the incumbent stands for the
  // remaining `trials`.
  void Hold(int trials) { regret_.insert(regret_.end(), trials, incumbent_regret_); }
  std::vector<double> regret() const { return regret_; }

 private:
  const Problem& problem_;
  const RunSpec& spec_;
  double best_seen_ = INFINITY, incumbent_regret_ = INFINITY;
  std::vector<double> regret_;
};

Status RunAutotune(const RunSpec& spec, const Problem& problem, Tracker* tracker, std::string* describe) {
  const SearchSpace space = BoxSpace(spec.dim);
  AT_ASSIGN_OR_RETURN(auto searcher, MakeSearcher(bench::ParseAlgorithmArg(spec.sampler), space,
                                                  static_cast<std::uint64_t>(spec.id()), 1, spec.trials));
  History history;
  Eigen::VectorXd x(spec.dim);
  for (int t = 0; t < spec.trials; ++t) {
    AT_ASSIGN_OR_RETURN(auto params, searcher->Suggest(history, 1));
    if (params.empty() && searcher->Exhausted(history)) {  // a finished grid keeps its best
      tracker->Hold(spec.trials - t);
      break;
    }
    if (params.size() != 1) return Status::Internal("suggested " + std::to_string(params.size()) + " params");
    for (int i = 0; i < spec.dim; ++i) AsNumber(params[0].at(Name(i)), &x[i]);
    const double seen = tracker->Observe(x, t);
    history.trials.push_back({params[0], TrialState::kCompleted, seen});
  }
  *describe = searcher->Describe();
  (void)problem;
  return Status::Ok();
}

Status RunOptuna(const RunSpec& spec, OptunaClient* optuna, Tracker* tracker) {
  if (!optuna) return Status::FailedPrecondition("no Optuna worker");
  AT_RETURN_IF_ERROR(optuna->Start(spec.sampler.substr(sizeof kOptunaPrefix - 1), spec.id(), spec.dim));
  for (int t = 0; t < spec.trials; ++t) {
    AT_ASSIGN_OR_RETURN(auto xs, optuna->Ask());
    if (static_cast<int>(xs.size()) != spec.dim)
      return Status::Internal("Optuna asked a point of the wrong size");
    AT_RETURN_IF_ERROR(optuna->Tell(tracker->Observe(Eigen::Map<Eigen::VectorXd>(xs.data(), spec.dim), t)));
  }
  return Status::Ok();
}

std::string Sanitize(std::string s) {
  for (char& c : s) {
    if (c == ':' || c == '=' || c == '/' || c == ',') c = '_';
  }
  return s;
}

}  // namespace

StatusOr<RunResult> RunOne(const RunSpec& spec, OptunaClient* optuna) {
  const Problem problem(spec.function, spec.dim, spec.instance);
  Tracker tracker(problem, spec);
  RunResult result;
  const auto start = std::chrono::steady_clock::now();
  if (spec.sampler.rfind(kOptunaPrefix, 0) == 0) {
    AT_RETURN_IF_ERROR(RunOptuna(spec, optuna, &tracker));
  } else {
    AT_RETURN_IF_ERROR(RunAutotune(spec, problem, &tracker, &result.describe));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.regret = tracker.regret();
  return result;
}

std::string CellPath(const std::string& root, const RunSpec& spec) {
  char file[32];
  std::snprintf(file, sizeof file, "f%02d_d%02d.txt", spec.function, spec.dim);
  char suite[32];
  std::snprintf(suite, sizeof suite, spec.noise_beta > 0 ? "noisy_%g" : "noiseless", spec.noise_beta);
  return root + "/" + suite + "/" + Sanitize(spec.sampler) + "/" + file;
}

std::map<int, RunResult> ReadCell(const std::string& path, int trials) {
  std::map<int, RunResult> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    int id = 0;
    RunResult r;
    if (!(words >> id >> r.seconds)) continue;
    std::string token;
    bool complete = false;
    while (words >> token) {
      if (token == "end") {
        complete = true;
        break;
      }
      r.regret.push_back(std::strtod(token.c_str(), nullptr));
    }
    if (complete && static_cast<int>(r.regret.size()) >= trials) out[id] = std::move(r);
  }
  return out;
}

Status AppendRun(const std::string& path, int id, const RunResult& result) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::app);
  if (!out) return Status::Internal("cannot write " + path);
  std::ostringstream line;
  line << id << ' ' << result.seconds;
  line.precision(6);
  for (double v : result.regret) line << ' ' << v;
  line << " end\n";
  out << line.str();  // one write: a run is on disk whole or torn at the end
  out.flush();
  return out ? Status::Ok() : Status::Internal("cannot write " + path);
}

}  // namespace autotune::bbob
