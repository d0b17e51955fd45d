#include "tuner/searchers/auto.h"

#include <algorithm>
#include <limits>
#include <map>

#include "tuner/core/options.h"

namespace autotune {
namespace {

// See auto.h; the README's "Search quality" has the measurements.
constexpr int kGpMaxDims = 12;
constexpr int kGpMaxParallel = 8;
// Float spaces this narrow run gp for their first kGpFirstTrials trials
// (half the budget when that is smaller), then hazero from gp's best. BBOB,
// tuning instances 1-5, functions of 24 where the median regret is at most
// the best of Optuna's four samplers' at d = 2, with hazero's default sigma0
// after gp: 100 trials 14 (hazero alone 11, gp alone 11), 200 trials 16
// (hazero 15; gp for 100 then hazero 13), 50 trials 13 (hazero 12); with
// kHazeroAfterGpSigma0 below 18, 19 and 15. At d = 3 the gain was small and
// at d = 5 hazero alone won more (README "BBOB suite").
constexpr int kGpFirstMaxDims = 2;
constexpr int kGpFirstTrials = 50;
// hazero after gp starts from gp's best with this step size (its own
// default is 0.2): gp has found the basin, hazero refines it. Same tuning
// instances at d = 2 (functions of 24 at or below Optuna's best, 50 / 100 /
// 200 trials): 0.2 13 / 14 / 16, 0.1 12 / 18 / 16, 0.05 15 / 18 / 19,
// 0.02 14 / 18 / 19.
constexpr double kHazeroAfterGpSigma0 = 0.05;
// hazero on 3 or more floats takes this many members of each generation from
// tpe (hazero's tpe_members). BBOB, 100 trials, functions of 24 at or below
// Optuna's best at d = 5 / 10 on the tuning instances (1-5, five seeds each)
// and the report instances (6-15, three seeds each): none 17 / 21 and
// 20 / 21, 1 19 / 21 and 21 / 20, 2 to 5 up to 21 / 22 on the tuning ones;
// f18 at d = 5 (report) 2.32x Optuna's best without, 1.71x with one. More
// members cost the smooth "Search quality" functions (hartmann6, levy5 and
// ackley3 2x-3x worse with 4); one is level or ahead on four of five
// (README "BBOB suite").
constexpr int kTpeMembers = 1;

struct SpaceCounts {
  int floats = 0, ints = 0, categoricals = 0;
  double grid_size = 1;  // product of the cardinalities (inf with a float)
};

SpaceCounts Count(const SearchSpace& space) {
  SpaceCounts c;
  for (std::size_t i = 0; i < space.dims(); ++i) {
    const auto& dist = space.params()[i].dist;
    if (std::holds_alternative<FloatDist>(dist)) {
      ++c.floats;
      c.grid_size = std::numeric_limits<double>::infinity();
      continue;
    }
    std::holds_alternative<IntDist>(dist) ? ++c.ints : ++c.categoricals;
    c.grid_size *= static_cast<double>(space.Cardinality(i));
  }
  return c;
}

std::string Plural(int n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::string Describe(const SpaceCounts& c, int max_trials, int max_parallel) {
  std::string s;
  auto add = [&](int n, const std::string& what) {
    if (n > 0) s += (s.empty() ? "" : ", ") + Plural(n, what);
  };
  add(c.floats, "float");
  add(c.ints, "int");
  add(c.categoricals, "categorical");
  if (s.empty()) s = "no params";
  s += max_trials > 0 ? ", budget " + std::to_string(max_trials) : ", budget unknown";
  s += max_parallel > 1 ? ", " + std::to_string(max_parallel) + " in parallel" : ", 1 at a time";
  return s;
}

// The delegate's view of the history: the trials before `phase_start` join
// the warm-start observations; the rest keep their order and numbering from
// the phase's start.
History PhaseHistory(const History& history, int phase_start) {
  if (phase_start <= 0) return history;
  History h;
  h.prior = history.prior;
  const auto split = std::min(history.trials.size(), static_cast<std::size_t>(phase_start));
  h.prior.insert(h.prior.end(), history.trials.begin(),
                 history.trials.begin() + static_cast<std::ptrdiff_t>(split));
  h.trials.assign(history.trials.begin() + static_cast<std::ptrdiff_t>(split), history.trials.end());
  return h;
}

class AutoSearcher : public Searcher {
 public:
  AutoSearcher(SearchSpace space, std::uint64_t seed, int max_parallel, int max_trials, AutoOptions options)
      : space_(std::move(space)),
        seed_(seed),
        max_parallel_(max_parallel),
        max_trials_(max_trials),
        options_(options) {
    last_ = Choose(0);
  }

  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    std::vector<Params> out;
    History h = history;
    while (static_cast<int>(out.size()) < n) {
      const int number = static_cast<int>(h.trials.size());
      const AutoChoice choice = Choose(number);
      // Ask no further than the end of this phase, so the next phase's
      // delegate sees the right history.
      int want = n - static_cast<int>(out.size());
      const AutoChoice at_end = Choose(number + want - 1);
      if (at_end.phase_start != choice.phase_start) want = at_end.phase_start - number;
      AT_ASSIGN_OR_RETURN(Searcher * delegate, Delegate(choice));
      AT_ASSIGN_OR_RETURN(auto params, delegate->Suggest(PhaseHistory(h, choice.phase_start), want));
      last_ = choice;
      if (params.empty()) break;  // the delegate waits for results (a CMA-ES generation in flight)
      for (auto& p : params) {
        h.trials.push_back({p, TrialState::kPending, std::nullopt});
        out.push_back(std::move(p));
      }
      if (static_cast<int>(params.size()) < want) break;
    }
    return out;
  }

  bool Exhausted(const History& history) const override {
    const AutoChoice choice = Choose(static_cast<int>(history.trials.size()));
    auto delegate = Delegate(choice);
    return delegate.ok() && (*delegate)->Exhausted(PhaseHistory(history, choice.phase_start));
  }

  std::string Describe() const override { return "auto: " + last_.algorithm + " (" + last_.reason + ")"; }

 private:
  AutoChoice Choose(int trial) const {
    return ChooseAutoSearcher(space_, max_trials_, max_parallel_, trial, options_);
  }

  // One delegate per phase, built on first use (by Suggest or Exhausted,
  // whichever comes first; each is stateless between calls, so when it is
  // built changes nothing: the map is a cache).
  StatusOr<Searcher*> Delegate(const AutoChoice& choice) const {
    const std::string key = choice.algorithm + "@" + std::to_string(choice.phase_start);
    auto it = delegates_.find(key);
    if (it == delegates_.end()) {
      // The delegate numbers its trials from the phase's start (PhaseHistory),
      // so its budget is what is left of the study's.
      const int budget = max_trials_ > 0 ? std::max(0, max_trials_ - choice.phase_start) : 0;
      AT_ASSIGN_OR_RETURN(
          auto s, MakeSearcher({choice.algorithm, choice.options}, space_, seed_, max_parallel_, budget));
      it = delegates_.emplace(key, std::move(s)).first;
    }
    return it->second.get();
  }

  SearchSpace space_;
  std::uint64_t seed_;
  int max_parallel_, max_trials_;
  AutoOptions options_;
  mutable std::map<std::string, std::unique_ptr<Searcher>> delegates_;
  AutoChoice last_;
};

}  // namespace

AutoChoice ChooseAutoSearcher(const SearchSpace& space, int max_trials, int max_parallel, int trial,
                              const AutoOptions& options) {
  const SpaceCounts c = Count(space);
  const std::string about = Describe(c, max_trials, max_parallel);
  const int d = static_cast<int>(space.dims());
  if (c.floats == 0 && max_trials > 0 && c.grid_size <= max_trials) {
    return {"grid", about + ": the whole grid fits the budget", 0};
  }
  const int gp_max_dims = options.gp_max_dims >= 0 ? options.gp_max_dims : kGpMaxDims;
  const bool gp_fits = d <= gp_max_dims && max_parallel <= kGpMaxParallel;
  const std::string gp_misfit = d > gp_max_dims
                                    ? "more than " + Plural(gp_max_dims, "param") + " for gp"
                                    : "more than " + std::to_string(kGpMaxParallel) + " in parallel for gp";
  if (c.categoricals == d) return {"tpe", about + ": categorical params only", 0};
  if (c.ints + c.categoricals > 0) {  // a mixed space
    if (gp_fits) return {"gp", about + ": ints or categoricals, which gp models exactly", 0};
    return {"tpe", about + ": ints or categoricals, " + gp_misfit, 0};
  }
  // Floats only: hazero, after `handover` trials of gp when asked for (and gp
  // fits); by default gp first on narrow spaces (see kGpFirstTrials).
  int handover = options.handover;
  if (handover < 0) {
    handover = d > kGpFirstMaxDims ? 0
               : max_trials > 0    ? std::min(kGpFirstTrials, max_trials / 2)
                                   : kGpFirstTrials;
  }
  // From 3 floats on hazero takes kTpeMembers of each generation from tpe.
  AutoChoice hazero{"hazero", about + ": floats only", 0};
  if (c.floats >= 3) {
    hazero.reason += ", " + std::to_string(kTpeMembers) + " of each generation from tpe";
    hazero.options["tpe_members"] = std::int64_t{kTpeMembers};
  }
  if (handover == 0) return hazero;
  if (!gp_fits) return {hazero.algorithm, about + ": " + gp_misfit, 0, hazero.options};
  if (trial < handover) return {"gp", about + ", hazero from trial " + std::to_string(handover), 0};
  return {"hazero",
          about + ": from trial " + std::to_string(handover) + " on, after gp",
          handover,
          {{"sigma0", kHazeroAfterGpSigma0}}};
}

StatusOr<std::unique_ptr<Searcher>> MakeAutoSearcher(const Options& options, const SearchSpace& space,
                                                     std::uint64_t seed, int max_parallel, int max_trials) {
  OptionReader reader(options);
  AutoOptions o;
  o.handover = static_cast<int>(reader.Int("handover", -1, 0, 1'000'000'000));  // absent: automatic
  o.gp_max_dims = static_cast<int>(reader.Int("gp_max_dims", -1, -1, 1'000'000));
  AT_RETURN_IF_ERROR(reader.Finish());
  return std::unique_ptr<Searcher>(
      new AutoSearcher(space, seed, std::max(1, max_parallel), std::max(0, max_trials), o));
}

}  // namespace autotune
