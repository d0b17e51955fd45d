#include "tuner/searchers/hazero_rounds.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace autotune::rounds {
namespace {

// Completed and stopped trials have a loss; so has a trial resumed after a
// stop (History's rule), which a round told back already.
bool HasLoss(const Observation& o) { return o.state != TrialState::kFailed && o.loss && !std::isnan(*o.loss); }

}  // namespace

Point ToCoords(const SearchSpace& space, const Params& params) {
  Point x = space.Encode(params);
  for (double& v : x) v = -1.0 + 2.0 * v;
  return x;
}

Params FromCoords(const SearchSpace& space, const Point& x) {
  std::vector<double> u(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) u[i] = std::clamp((x[i] + 1.0) / 2.0, 0.0, 1.0);
  return space.Decode(u);
}

Point StartPoint(const SearchSpace& space, const History& history) {
  const Observation* best = nullptr;
  for (const auto& o : history.prior) {
    if (o.loss && !std::isnan(*o.loss) && (!best || *o.loss < *best->loss)) best = &o;
  }
  Params start = best ? best->params : Params{};
  for (const auto& p : space.params()) {
    if (p.init) start[p.name] = *p.init;
  }
  // Encode maps parameters absent from `start` to the centre.
  return ToCoords(space, start);
}

std::vector<Params> SuggestByRounds(RoundAlgorithm& algorithm, const SearchSpace& space,
                                    const History& history, int n) {
  const auto& trials = history.trials;
  std::size_t first = 0;
  for (int round = 0;; ++round) {
    const std::vector<Point> points = algorithm.Ask(round);
    const std::size_t size = points.size();
    if (size == 0) return {};  // algorithms always ask for at least one point
    const std::size_t issued = std::min(size, trials.size() - first);
    const bool finished =
        issued == size && std::all_of(trials.begin() + static_cast<std::ptrdiff_t>(first),
                                      trials.begin() + static_cast<std::ptrdiff_t>(first + size),
                                      [](const Observation& o) { return IsFinished(o.state) || HasLoss(o); });
    if (!finished) {
      std::vector<Params> out;
      for (std::size_t i = issued; i < size && static_cast<int>(out.size()) < n; ++i) {
        out.push_back(FromCoords(space, points[i]));
      }
      return out;
    }
    // Evaluated points: the asked point when the trial holds what it decodes
    // to (exact for continuous dims), else the trial's own params.
    std::vector<Point> told(size);
    std::vector<double> losses(size);
    double worst = -std::numeric_limits<double>::infinity();
    bool any = false;
    for (std::size_t i = 0; i < size; ++i) {
      const Observation& o = trials[first + i];
      told[i] = FromCoords(space, points[i]) == o.params ? points[i] : ToCoords(space, o.params);
      if (HasLoss(o)) worst = std::max(worst, *o.loss), any = true;
    }
    for (std::size_t i = 0; i < size; ++i) {
      const Observation& o = trials[first + i];
      losses[i] = HasLoss(o) ? *o.loss : worst;
    }
    // A round without a single loss teaches nothing; the next round draws anew.
    if (any) algorithm.Tell(round, told, losses);
    first += size;
  }
}

}  // namespace autotune::rounds
