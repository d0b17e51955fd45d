#include "tuner/schedulers/pbt.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <tuple>

#include "tuner/core/options.h"
#include "tuner/core/rng.h"

namespace autotune {
namespace {

constexpr std::uint64_t kExploreTag = 0x9b7f3c5e1d2a4f60ULL, kRankTag = 0x51ed27a4c0b1e893ULL;

const ParamSpec* FindParam(const SearchSpace& space, const std::string& name) {
  for (const auto& p : space.params())
    if (p.name == name) return &p;
  return nullptr;
}

// Index of v in values (the nearest number for numbers), or 0.
std::size_t IndexOf(const std::vector<ParamValue>& values, const ParamValue& v) {
  double x = 0;
  const bool numeric = AsNumber(v, &x) && !std::holds_alternative<bool>(v);
  std::size_t best = 0;
  double best_gap = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == v) return i;
    double y = 0;
    if (numeric && AsNumber(values[i], &y) && std::fabs(y - x) < best_gap)
      best_gap = std::fabs(y - x), best = i;
  }
  return best;
}

// A value of the list as the space's type (ints for int params).
ParamValue AsSpaceType(const ParamSpec& space_param, const ParamValue& v) {
  double x = 0;
  if (std::holds_alternative<IntDist>(space_param.dist) && AsNumber(v, &x))
    return std::int64_t(std::llround(x));
  if (std::holds_alternative<FloatDist>(space_param.dist) && AsNumber(v, &x)) return x;
  return v;
}

ParamValue Resample(const ParamSpec& mutation, std::mt19937_64& rng) {
  auto one = SearchSpace::Create({mutation});
  std::uniform_real_distribution<double> u(0.0, 1.0);
  return one->Decode({u(rng)}).at(mutation.name);
}

ParamValue Perturb(const PbtOptions& o, const ParamSpec& mutation, const ParamSpec& space_param,
                   const ParamValue& v, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  if (u(rng) < o.resample_probability) return AsSpaceType(space_param, Resample(mutation, rng));
  const std::vector<ParamValue>* list = nullptr;
  if (auto* c = std::get_if<CategoricalDist>(&mutation.dist)) list = &c->choices;
  if (list) {  // move to a neighbour along the list
    const std::size_t i = IndexOf(*list, v);
    const bool up = u(rng) < 0.5;
    const std::size_t j = up ? std::min(i + 1, list->size() - 1) : (i == 0 ? 0 : i - 1);
    return AsSpaceType(space_param, (*list)[j]);
  }
  const double factor = o.factors[std::uniform_int_distribution<std::size_t>(0, o.factors.size() - 1)(rng)];
  if (const auto* f = std::get_if<FloatDist>(&space_param.dist)) {
    double x = 0;
    AsNumber(v, &x);
    return std::clamp(x * factor, f->low, f->high);
  }
  const auto& d = std::get<IntDist>(space_param.dist);
  double x = 0;
  AsNumber(v, &x);
  auto next = static_cast<std::int64_t>(std::llround(x * factor));
  if (next == static_cast<std::int64_t>(x) && factor != 1.0) next += factor > 1.0 ? 1 : -1;
  return std::clamp(next, d.low, d.high);
}

bool Live(const Observation& o) { return o.state != TrialState::kFailed && !IsFinished(o.state); }

class PbtScheduler final : public Scheduler {
 public:
  PbtScheduler(PbtOptions o, SearchSpace space, std::int64_t max_steps, std::uint64_t seed)
      : o_(std::move(o)), space_(std::move(space)), max_steps_(max_steps), seed_(seed) {
    if (o_.mutations.empty()) o_.mutations = space_.params();
    generations_ = (max_steps_ + o_.interval - 1) / o_.interval;
  }

  std::int64_t FirstSegmentEnd(const History&, int) const override {
    return std::min(o_.interval, max_steps_);
  }

  bool AcceptsNewTrial(const History& h) const override {
    const auto n = static_cast<std::int64_t>(h.trials.size());
    if (!o_.searcher) return n < o_.population;
    if (n >= o_.population * generations_) return false;
    const std::int64_t g = n / o_.population;
    for (std::int64_t i = (g - 1) * o_.population; g > 0 && i < g * o_.population; ++i)
      if (!IsFinished(h.trials[i].state)) return false;  // the previous generation must be done
    return true;
  }

  std::optional<Inheritance> Inherit(const History& h, int number) const override {
    if (!o_.searcher) return std::nullopt;
    const std::int64_t g = number / o_.population;
    if (g == 0) return std::nullopt;
    std::vector<std::pair<double, int>> ranked;
    for (std::int64_t i = (g - 1) * o_.population; i < g * o_.population; ++i) {
      const Observation& t = h.trials[i];
      if (t.state == TrialState::kCompleted && t.loss && !std::isnan(*t.loss) && t.has_checkpoint)
        ranked.emplace_back(*t.loss, static_cast<int>(i));
    }
    if (ranked.empty()) return std::nullopt;  // nothing to continue from: start afresh
    std::sort(ranked.begin(), ranked.end());
    const std::size_t half = (ranked.size() + 1) / 2;
    const int source = ranked[static_cast<std::size_t>(number - g * o_.population) % half].second;
    return Inheritance{source, std::min(h.trials[source].step + o_.interval, max_steps_)};
  }

  Decision OnSegmentEnd(const History& h, int n) override {
    const std::int64_t step = h.trials[n].step;
    if (o_.searcher) return Decision::Complete();  // each trial runs one interval
    if (o_.sync && step >= o_.burn_in) return Decision::Pause("ready at step " + std::to_string(step));
    return Decide(h, n, step, [](const Observation& t) { return t.last_loss(); });
  }

  std::optional<std::pair<int, Decision>> ResumeNext(const History& h, bool final) override {
    if (!o_.sync || o_.searcher) return std::nullopt;
    // A generation is the whole population: members not created yet (fewer
    // slots than members) are on their way to the barrier too.
    if (!final && static_cast<std::int64_t>(h.trials.size()) < o_.population) return std::nullopt;
    std::int64_t s = std::numeric_limits<std::int64_t>::max();
    for (const auto& t : h.trials)
      if (Live(t) && t.state == TrialState::kPaused) s = std::min(s, t.step);
    if (s == std::numeric_limits<std::int64_t>::max()) return std::nullopt;
    std::vector<int> waiting;
    for (std::size_t i = 0; i < h.trials.size(); ++i) {
      const Observation& t = h.trials[i];
      if (!Live(t)) continue;
      if (t.step < s) return std::nullopt;  // a member is still on its way to step s
      if (t.state == TrialState::kPaused && t.step == s) waiting.push_back(static_cast<int>(i));
    }
    // The generation's exploits go first: each copies its source's
    // checkpoint of step s, before that source trains on past s (with fewer
    // slots than members, a source continued first would be copied at a
    // later step, and its copier would skip those steps).
    auto at_s = [s](const Observation& t) { return t.loss_at(s); };
    for (int i : waiting) {
      Decision d = Decide(h, i, s, at_s);
      if (d.kind == Decision::Kind::kExploit) return std::make_pair(i, std::move(d));
    }
    return std::make_pair(waiting.front(), Decide(h, waiting.front(), s, at_s));
  }

 private:
  template <typename Score>
  Decision Decide(const History& h, int n, std::int64_t step, Score score) const {
    const std::int64_t next = std::min(step + o_.interval, max_steps_);
    if (step < o_.burn_in) return Decision::Continue(next);
    // Rank the members with a score; ties are broken at random (else equal
    // scores would never copy anything).
    auto rng = StreamRng(seed_ ^ kRankTag, Mix64(static_cast<std::uint64_t>(n) * 0x100000001b3ULL +
                                                 static_cast<std::uint64_t>(step)));
    std::vector<std::tuple<double, std::uint64_t, int>> ranked;
    for (std::size_t i = 0; i < h.trials.size(); ++i) {
      const Observation& t = h.trials[i];
      if (t.state == TrialState::kFailed) continue;
      if (auto loss = score(t)) {
        ranked.emplace_back(std::isnan(*loss) ? std::numeric_limits<double>::infinity() : *loss, rng(),
                            static_cast<int>(i));
      }
    }
    const std::size_t count = ranked.size();
    const std::size_t k =
        std::min<std::size_t>(static_cast<std::size_t>(std::ceil(count * o_.quantile_fraction)), count / 2);
    if (count < 2 || k == 0) return Decision::Continue(next);
    std::sort(ranked.begin(), ranked.end());
    bool bottom = false;
    for (std::size_t i = count - k; i < count; ++i) bottom |= std::get<2>(ranked[i]) == n;
    if (!bottom) return Decision::Continue(next);
    const std::uint64_t stream =
        static_cast<std::uint64_t>(n) * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(step);
    if (!o_.exploit) {
      return Decision::Continue(next, "explores its own params",
                                PbtExplore(o_, space_, h.trials[n].params, seed_, stream));
    }
    std::vector<int> sources;
    for (std::size_t i = 0; i < k; ++i) {
      const int m = std::get<2>(ranked[i]);
      const Observation& t = h.trials[m];
      if (t.has_checkpoint && t.step < max_steps_ && !IsFinished(t.state)) sources.push_back(m);
    }
    if (sources.empty()) return Decision::Continue(next);
    const int source = sources[std::uniform_int_distribution<std::size_t>(0, sources.size() - 1)(rng)];
    const Observation& src = h.trials[source];
    return Decision::Exploit(source, PbtExplore(o_, space_, src.params, seed_, stream),
                             std::min(src.step + o_.interval, max_steps_),
                             "in the bottom " + std::to_string(k) + " of " + std::to_string(count) +
                                 ": copies trial number " + std::to_string(source) + " at step " +
                                 std::to_string(src.step));
  }

  PbtOptions o_;
  SearchSpace space_;
  std::int64_t max_steps_;
  std::uint64_t seed_;
  std::int64_t generations_ = 1;
};

// Checks a mutation against the space's parameter of that name.
Status CheckMutation(const ParamSpec& m, const SearchSpace& space) {
  const std::string field = "scheduler.mutations." + m.name;
  const ParamSpec* p = FindParam(space, m.name);
  if (!p) return Status::InvalidArgument("is not a parameter of the space", field);
  if (auto* c = std::get_if<CategoricalDist>(&m.dist)) {
    auto alone = SearchSpace::Create({*p});
    if (!alone.ok()) return alone.status();
    for (const auto& v : c->choices) {
      Status s = alone->Validate({{m.name, AsSpaceType(*p, v)}});
      if (!s.ok())
        return Status::InvalidArgument("value " + ToString(v) + " does not fit the space: " + s.message(),
                                       field);
    }
    return Status::Ok();
  }
  auto check_range = [&](double low, double high, double slo, double shi) {
    if (low < slo || high > shi) {
      return Status::InvalidArgument("[" + ToString(ParamValue(low)) + ", " + ToString(ParamValue(high)) +
                                         "] is outside the space's [" + ToString(ParamValue(slo)) + ", " +
                                         ToString(ParamValue(shi)) + "]",
                                     field);
    }
    return Status::Ok();
  };
  if (auto* f = std::get_if<FloatDist>(&m.dist)) {
    auto* sf = std::get_if<FloatDist>(&p->dist);
    if (!sf) return Status::InvalidArgument("must have the space's type (float)", field);
    return check_range(f->low, f->high, sf->low, sf->high);
  }
  auto* i = std::get_if<IntDist>(&m.dist);
  auto* si = std::get_if<IntDist>(&p->dist);
  if (!i || !si) return Status::InvalidArgument("must have the space's type", field);
  return check_range(double(i->low), double(i->high), double(si->low), double(si->high));
}

}  // namespace

Params PbtExplore(const PbtOptions& o, const SearchSpace& space, const Params& params, std::uint64_t seed,
                  std::uint64_t stream) {
  auto rng = StreamRng(seed ^ kExploreTag, stream);
  Params out = params;
  const std::vector<ParamSpec>& mutations = o.mutations.empty() ? space.params() : o.mutations;
  for (const auto& m : mutations) {
    const ParamSpec* p = FindParam(space, m.name);
    auto it = out.find(m.name);
    if (!p || it == out.end()) continue;
    it->second = Perturb(o, m, *p, it->second, rng);
  }
  return out;
}

StatusOr<std::unique_ptr<Scheduler>> MakePbtScheduler(const StudySpec& spec) {
  const AlgorithmSpec& a = *spec.scheduler;
  const std::int64_t max_steps = spec.trial->max_steps;
  if (max_steps < 2) {
    return Status::InvalidArgument("pbt needs trial.max_steps >= 2 (several intervals)", "trial.max_steps");
  }
  OptionReader r(a, "scheduler");
  r.AcceptMutations();
  PbtOptions o;
  o.population = static_cast<int>(r.Int("population", spec.budget.max_parallel, 2, 100000));
  o.interval = r.Int("perturbation_interval", std::max<std::int64_t>(1, max_steps / 10), 1, max_steps - 1);
  o.burn_in = r.Int("burn_in", 0, 0, max_steps - 1);
  o.quantile_fraction = r.Double("quantile_fraction", o.quantile_fraction, 1e-9, 0.5);
  o.resample_probability = r.Double("resample_probability", o.resample_probability, 0, 1);
  o.factors = r.DoubleList("perturbation_factors", o.factors, 1e-9, 1e9);
  o.sync = r.String("mode", "async", {"async", "sync"}) == "sync";
  o.searcher = r.String("explore", "perturb", {"perturb", "searcher"}) == "searcher";
  o.exploit = r.Bool("exploit", true);
  AT_RETURN_IF_ERROR(r.Finish());
  for (const auto& m : a.mutations) AT_RETURN_IF_ERROR(CheckMutation(m, spec.space));
  o.mutations = a.mutations;
  if (o.searcher) {
    static const std::set<std::string> kLearners = {"hazero", "pshe2", "gp", "tpe", "auto"};
    if (!kLearners.count(spec.searcher.algorithm)) {
      return Status::InvalidArgument(
          "searcher-driven explore needs a searcher that learns from results "
          "(hazero, pshe2, gp, tpe or auto), not '" +
              spec.searcher.algorithm + "'",
          "scheduler.explore");
    }
    if (o.sync)
      return Status::InvalidArgument("searcher-driven explore runs by generations already", "scheduler.mode");
  }
  const std::int64_t generations = (max_steps + o.interval - 1) / o.interval;
  const std::int64_t members = o.searcher ? o.population * generations : o.population;
  if (spec.budget.max_trials < members) {
    return Status::InvalidArgument("must be at least " + std::to_string(members) +
                                       (o.searcher ? " (population x generations)" : " (the population)"),
                                   "budget.max_trials");
  }
  return std::unique_ptr<Scheduler>(new PbtScheduler(std::move(o), spec.space, max_steps, spec.seed));
}

}  // namespace autotune
