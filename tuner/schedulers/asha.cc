#include "tuner/schedulers/asha.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "tuner/core/options.h"

namespace autotune {
namespace {

// NaN losses rank last.
double Rankable(double loss) { return std::isnan(loss) ? std::numeric_limits<double>::infinity() : loss; }

class AshaScheduler final : public Scheduler {
 public:
  AshaScheduler(AshaOptions options, std::int64_t max_steps) : options_(options), max_steps_(max_steps) {
    for (int b = 0; b < options_.brackets; ++b) rungs_.push_back(AshaRungs(options_, max_steps_, b));
  }

  std::int64_t FirstSegmentEnd(const History&, int number) const override { return Rungs(number).front(); }

  Decision OnSegmentEnd(const History& history, int number) override {
    const std::int64_t step = history.trials[number].step;
    const std::vector<std::int64_t>& rungs = Rungs(number);
    // A step between rungs (a segment planned before a change of options)
    // continues to the next rung; promotion decisions happen in ResumeNext.
    auto next = std::upper_bound(rungs.begin(), rungs.end(), step);
    if (next == rungs.end()) return Decision::Complete();
    if (std::find(rungs.begin(), rungs.end(), step) == rungs.end()) return Decision::Continue(*next);
    return Decision::Pause("reached rung " + std::to_string(next - rungs.begin() - 1) + " at step " +
                           std::to_string(step));
  }

  std::optional<std::pair<int, Decision>> ResumeNext(const History& history, bool final) override {
    bool any_paused = false;
    for (const auto& t : history.trials) any_paused |= t.state == TrialState::kPaused;
    if (!any_paused) return std::nullopt;
    // The candidate at the highest rung step wins; then the lower loss, then the lower number.
    struct Candidate {
      std::int64_t step;
      double loss;
      int number, rung;
      auto Key() const { return std::make_tuple(-step, loss, number); }
    };
    std::optional<Candidate> best;
    for (int b = 0; b < options_.brackets; ++b) {
      const std::vector<std::int64_t>& rungs = rungs_[b];
      for (int k = static_cast<int>(rungs.size()) - 2; k >= 0; --k) {
        auto found = BestPromotable(history, b, rungs[k], final);
        if (!found) continue;
        Candidate c{rungs[k], found->first, found->second, k};
        if (!best || c.Key() < best->Key()) best = c;
        break;  // lower rungs of this bracket cannot beat its highest candidate
      }
    }
    if (!best) return std::nullopt;
    const std::int64_t next = Rungs(best->number)[best->rung + 1];
    return std::make_pair(best->number,
                          Decision::Continue(next, "promoted from rung " + std::to_string(best->rung) + " (step " +
                                                       std::to_string(best->step) + ") to step " +
                                                       std::to_string(next)));
  }

 private:
  const std::vector<std::int64_t>& Rungs(int number) const { return rungs_[number % options_.brackets]; }

  // The best paused trial of bracket b at rung step `at` that is in the top
  // ⌊|rung|/η⌋ (⌈|rung|/η⌉ when final) of the rung: (loss, number).
  std::optional<std::pair<double, int>> BestPromotable(const History& history, int b, std::int64_t at,
                                                       bool final) const {
    std::vector<std::pair<double, int>> members;
    for (std::size_t n = static_cast<std::size_t>(b); n < history.trials.size();
         n += static_cast<std::size_t>(options_.brackets)) {
      if (auto loss = history.trials[n].loss_at(at)) members.emplace_back(Rankable(*loss), static_cast<int>(n));
    }
    const auto eta = static_cast<std::size_t>(options_.reduction_factor);
    const std::size_t top = final ? (members.size() + eta - 1) / eta : members.size() / eta;
    if (top == 0) return std::nullopt;
    std::nth_element(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(top - 1), members.end());
    const std::pair<double, int> cutoff = members[top - 1];
    std::optional<std::pair<double, int>> best;
    for (const auto& m : members) {
      const Observation& t = history.trials[m.second];
      if (m > cutoff || t.state != TrialState::kPaused || t.step != at) continue;
      if (!best || m < *best) best = m;
    }
    return best;
  }

  AshaOptions options_;
  std::int64_t max_steps_;
  std::vector<std::vector<std::int64_t>> rungs_;  // by bracket
};

}  // namespace

std::vector<std::int64_t> AshaRungs(const AshaOptions& options, std::int64_t max_steps, int bracket) {
  std::vector<std::int64_t> rungs;
  double r = static_cast<double>(options.min_steps) * std::pow(options.reduction_factor, bracket);
  for (; r < static_cast<double>(max_steps); r *= options.reduction_factor) {
    const auto step = static_cast<std::int64_t>(r);
    if (rungs.empty() || step > rungs.back()) rungs.push_back(step);
  }
  rungs.push_back(max_steps);
  return rungs;
}

StatusOr<std::unique_ptr<Scheduler>> MakeAshaScheduler(const AlgorithmSpec& spec, std::int64_t max_steps) {
  OptionReader r(spec, "scheduler");
  AshaOptions o;
  o.reduction_factor = static_cast<int>(r.Int("reduction_factor", o.reduction_factor, 2, 100));
  if (max_steps < 2) {
    return Status::InvalidArgument("asha needs trial.max_steps >= 2 (one segment per rung)", "trial.max_steps");
  }
  o.min_steps = r.Int("min_steps", o.min_steps, 1, max_steps - 1);
  const int rungs_below_max = static_cast<int>(AshaRungs(o, max_steps, 0).size()) - 1;
  o.brackets = static_cast<int>(r.Int("brackets", o.brackets, 1, std::max(1, rungs_below_max)));
  AT_RETURN_IF_ERROR(r.Finish());
  return std::unique_ptr<Scheduler>(new AshaScheduler(o, max_steps));
}

}  // namespace autotune
