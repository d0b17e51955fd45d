#include "tuner/searchers/grid.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tuner/core/options.h"
#include "tuner/core/rng.h"

namespace autotune {
namespace {

// Evenly spaced values of [low, high] (on the log scale for log params); the
// bounds exactly. Finite also when high - low overflows a double.
std::vector<double> Spaced(double low, double high, bool log, int points) {
  std::vector<double> v;
  if (points == 1) {
    if (!log) {
      v.push_back(std::midpoint(low, high));
    } else {
      const double product = low * high;  // sqrt(low high) when that neither overflows nor underflows
      v.push_back(std::isnormal(product) ? std::sqrt(product) : std::sqrt(low) * std::sqrt(high));
    }
    return v;
  }
  for (int i = 0; i < points; ++i) {
    double t = static_cast<double>(i) / (points - 1);
    const double x =
        log ? std::exp(std::log(low) + t * (std::log(high) - std::log(low))) : Interpolate(low, high, t);
    v.push_back(std::clamp(x, low, high));  // exp may round past a bound near DBL_MAX
  }
  v.front() = low, v.back() = high;
  return v;
}

// Evenly spaced ints of [low, high]: low + round(i (high - low) / (points - 1)),
// rounded half away from zero like llround, in exact integer arithmetic (the
// range may span all of int64). One point is the middle.
std::vector<std::int64_t> SpacedInts(std::int64_t low, std::int64_t high, int points) {
  const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  const std::uint64_t steps = points == 1 ? 2 : static_cast<std::uint64_t>(points - 1);
  const std::uint64_t q = span / steps, r = span % steps;
  std::vector<std::int64_t> v;
  for (std::uint64_t i = points == 1 ? 1 : 0; i <= (points == 1 ? 1 : steps); ++i) {
    // i * span / steps = q i + (r i) / steps; r i < steps^2 fits easily.
    const std::uint64_t base = q * i + (r * i) / steps, rem = (r * i) % steps;
    auto value = static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + base);
    // A remainder of exactly half rounds away from zero: up when value >= 0.
    if (2 * rem > steps || (2 * rem == steps && value >= 0)) ++value;
    v.push_back(value);
  }
  return v;
}

// Log-spaced ints: low + round(low (e^(t log(high/low)) - 1)), the offset
// from low computed with expm1 so ranges near INT64_MAX keep their spacing.
std::vector<std::int64_t> LogSpacedInts(std::int64_t low, std::int64_t high, int points) {
  const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  const double ratio = std::log1p(static_cast<double>(span) / static_cast<double>(low));
  std::vector<std::int64_t> v;
  for (int i = 0; i < points; ++i) {
    const double t = points == 1 ? 0.5 : static_cast<double>(i) / (points - 1);
    const double off = std::round(static_cast<double>(low) * std::expm1(t * ratio));
    const std::uint64_t o = !(off > 0)      ? 0
                            : off >= 0x1p64 ? span
                                            : std::min(static_cast<std::uint64_t>(off), span);
    v.push_back(static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + o));
  }
  if (points > 1) v.front() = low, v.back() = high;
  return v;
}

std::vector<ParamValue> AxisValues(const ParamSpec& p, int default_points) {
  int points = p.grid_points > 0 ? p.grid_points : default_points;
  std::vector<ParamValue> out;
  if (auto* c = std::get_if<CategoricalDist>(&p.dist)) return c->choices;
  if (auto* f = std::get_if<FloatDist>(&p.dist)) {
    std::vector<double> v = f->values.empty() ? Spaced(f->low, f->high, f->log, points) : f->values;
    std::sort(v.begin(), v.end());  // like ints: ascending, each value once
    v.erase(std::unique(v.begin(), v.end()), v.end());
    for (double x : v) out.emplace_back(x);
  } else {
    const auto& d = std::get<IntDist>(p.dist);
    std::vector<std::int64_t> v = d.values;
    if (v.empty()) v = d.log ? LogSpacedInts(d.low, d.high, points) : SpacedInts(d.low, d.high, points);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    for (auto x : v) out.emplace_back(x);
  }
  return out;
}

class GridSearcher : public Searcher {
 public:
  GridSearcher(const SearchSpace& space, int points, bool shuffle, std::uint64_t seed) {
    std::size_t total = 1;
    for (const auto& p : space.params()) {
      axes_.push_back({p.name, AxisValues(p, points)});
      total *= axes_.back().second.size();
    }
    order_.resize(total);
    std::iota(order_.begin(), order_.end(), 0);
    if (shuffle) {
      auto rng = StreamRng(seed, 0);
      std::shuffle(order_.begin(), order_.end(), rng);
    }
  }

  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    std::vector<Params> out;
    if (n <= 0) return out;
    for (std::size_t k = history.trials.size(); k < order_.size() && out.size() < std::size_t(n); ++k) {
      out.push_back(Point(order_[k]));
    }
    return out;
  }

  bool Exhausted(const History& history) const override { return history.trials.size() >= order_.size(); }

 private:
  // Mixed-radix decoding of a grid index, the last axis varying fastest.
  Params Point(std::size_t index) const {
    Params p;
    for (auto it = axes_.rbegin(); it != axes_.rend(); ++it) {
      p[it->first] = it->second[index % it->second.size()];
      index /= it->second.size();
    }
    return p;
  }

  std::vector<std::pair<std::string, std::vector<ParamValue>>> axes_;
  std::vector<std::size_t> order_;
};

constexpr std::size_t kMaxGridSize = 10'000'000;

}  // namespace

StatusOr<std::unique_ptr<Searcher>> MakeGridSearcher(const Options& options, const SearchSpace& space,
                                                     std::uint64_t seed) {
  OptionReader reader(options);
  int points = static_cast<int>(reader.Int("grid_points", 5, 1, 100000));
  bool shuffle = reader.Bool("shuffle", true);
  AT_RETURN_IF_ERROR(reader.Finish());
  double total = 1;
  for (const auto& p : space.params()) total *= double(AxisValues(p, points).size());
  if (total > double(kMaxGridSize)) {
    return Status::InvalidArgument("the grid has " + std::to_string(std::llround(total)) +
                                       " points, more than the limit of 10000000; lower grid_points",
                                   "searcher.grid_points");
  }
  return std::unique_ptr<Searcher>(new GridSearcher(space, points, shuffle, seed));
}

}  // namespace autotune
