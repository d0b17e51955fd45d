#include "tuner/core/space.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace autotune {
namespace {

double Clamp01(double u) {
  if (!(u >= 0)) return 0;  // also maps NaN to 0
  return u > 1 ? 1 : u;
}

Status CheckFloat(const std::string& path, const FloatDist& d) {
  if (!std::isfinite(d.low)) return Status::InvalidArgument("must be a finite number", path + ".low");
  if (!std::isfinite(d.high)) return Status::InvalidArgument("must be a finite number", path + ".high");
  if (!(d.low < d.high)) return Status::InvalidArgument("must be > low", path + ".high");
  if (d.log && d.low <= 0) return Status::InvalidArgument("must be > 0 for a log scale", path + ".low");
  for (double v : d.values) {
    if (!(v >= d.low && v <= d.high))
      return Status::InvalidArgument("values must lie in [low, high]", path + ".values");
  }
  return Status::Ok();
}

Status CheckInt(const std::string& path, const IntDist& d) {
  if (!(d.low < d.high)) return Status::InvalidArgument("must be > low", path + ".high");
  if (d.log && d.low <= 0) return Status::InvalidArgument("must be > 0 for a log scale", path + ".low");
  for (auto v : d.values) {
    if (v < d.low || v > d.high)
      return Status::InvalidArgument("values must lie in [low, high]", path + ".values");
  }
  return Status::Ok();
}

// Choices compare as JSON values (CanonicalJsonValue): 1 and 1.0 are one
// choice, as are 0.0 and -0.0; 1, true and "1" are three.
Status CheckCategorical(const std::string& path, const CategoricalDist& d) {
  if (d.choices.empty()) return Status::InvalidArgument("must not be empty", path + ".choices");
  std::set<ParamValue> seen;
  for (const ParamValue& c : d.choices) {
    if (!seen.insert(CanonicalJsonValue(c)).second) {
      return Status::InvalidArgument(
          "must not repeat a choice (" + ToString(c) + " appears twice; numbers compare by value)",
          path + ".choices");
    }
  }
  return Status::Ok();
}

// Internal (possibly log) bounds of an int range widened by half a step.
std::pair<double, double> IntBounds(const IntDist& d) {
  double lo = static_cast<double>(d.low) - 0.5, hi = static_cast<double>(d.high) + 0.5;
  if (d.log) return {std::log(lo), std::log(hi)};
  return {lo, hi};
}

bool SameType(const ParamValue& a, const ParamValue& b) { return a.index() == b.index(); }

}  // namespace

StatusOr<SearchSpace> SearchSpace::Create(std::vector<ParamSpec> params) {
  if (params.empty()) return Status::InvalidArgument("must define at least one parameter", "space");
  std::sort(params.begin(), params.end(),
            [](const ParamSpec& a, const ParamSpec& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    const std::string path = "space." + p.name;
    if (p.name.empty()) return Status::InvalidArgument("parameter names must not be empty", "space");
    if (i > 0 && params[i - 1].name == p.name)
      return Status::InvalidArgument("is defined twice", path);
    if (p.grid_points < 0) return Status::InvalidArgument("must be >= 0", path + ".grid_points");
    Status s = std::visit(
        [&](const auto& d) {
          using D = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<D, FloatDist>) return CheckFloat(path, d);
          if constexpr (std::is_same_v<D, IntDist>) return CheckInt(path, d);
          if constexpr (std::is_same_v<D, CategoricalDist>) return CheckCategorical(path, d);
        },
        p.dist);
    AT_RETURN_IF_ERROR(s);
  }
  SearchSpace space(std::move(params));
  for (const auto& p : space.params_) {
    if (!p.init) continue;
    Params one{{p.name, *p.init}};
    // Validate the init value alone against its own distribution.
    SearchSpace single({p});
    Status s = single.Validate(one);
    if (!s.ok()) return Status::InvalidArgument(s.message(), "space." + p.name + ".init");
  }
  return space;
}

std::vector<double> SearchSpace::Encode(const Params& p) const {
  std::vector<double> u(params_.size(), 0.5);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto it = p.find(params_[i].name);
    if (it == p.end()) continue;
    const ParamValue& v = it->second;
    std::visit(
        [&](const auto& d) {
          using D = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<D, CategoricalDist>) {
            auto pos = std::find_if(d.choices.begin(), d.choices.end(),
                                    [&](const ParamValue& c) { return SameJsonValue(c, v); });
            double idx = pos == d.choices.end() ? 0 : double(pos - d.choices.begin());
            u[i] = (idx + 0.5) / static_cast<double>(d.choices.size());
          } else {
            double x = 0;
            AsNumber(v, &x);
            double lo, hi;
            if constexpr (std::is_same_v<D, FloatDist>) {
              lo = d.low, hi = d.high;
              if (d.log) lo = std::log(lo), hi = std::log(hi);
            } else {
              std::tie(lo, hi) = IntBounds(d);
            }
            if (d.log) x = std::log(std::max(x, 1e-300));
            u[i] = Clamp01((x - lo) / (hi - lo));
          }
        },
        params_[i].dist);
  }
  return u;
}

Params SearchSpace::Decode(const std::vector<double>& u) const {
  Params out;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    double x = Clamp01(i < u.size() ? u[i] : 0.5);
    std::visit(
        [&](const auto& d) {
          using D = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<D, CategoricalDist>) {
            auto k = static_cast<std::int64_t>(d.choices.size());
            auto idx = std::min<std::int64_t>(static_cast<std::int64_t>(x * k), k - 1);
            out[params_[i].name] = d.choices[idx];
          } else if constexpr (std::is_same_v<D, FloatDist>) {
            double v = d.log ? std::exp(std::log(d.low) + x * (std::log(d.high) - std::log(d.low)))
                             : d.low + x * (d.high - d.low);
            // The ends of the cube are the bounds exactly (exp(log(low)) may not be).
            if (x == 0) v = d.low;
            if (x == 1) v = d.high;
            out[params_[i].name] = std::clamp(v, d.low, d.high);
          } else {
            auto [lo, hi] = IntBounds(d);
            double v = lo + x * (hi - lo);
            if (d.log) v = std::exp(v);
            auto r = static_cast<std::int64_t>(std::llround(v));
            out[params_[i].name] = std::clamp(r, d.low, d.high);
          }
        },
        params_[i].dist);
  }
  return out;
}

Status SearchSpace::Validate(const Params& p) const {
  for (const auto& [name, v] : p) {
    bool known = std::any_of(params_.begin(), params_.end(),
                             [&](const ParamSpec& s) { return s.name == name; });
    if (!known) return Status::InvalidArgument("is not in the search space", "params." + name);
  }
  for (const auto& spec : params_) {
    const std::string path = "params." + spec.name;
    auto it = p.find(spec.name);
    if (it == p.end()) return Status::InvalidArgument("is missing", path);
    const ParamValue& v = it->second;
    Status s = std::visit(
        [&](const auto& d) -> Status {
          using D = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<D, CategoricalDist>) {
            for (const auto& c : d.choices)
              if (SameType(c, v) && c == v) return Status::Ok();
            return Status::InvalidArgument("is not one of the choices", path);
          } else if constexpr (std::is_same_v<D, FloatDist>) {
            double x;
            if (std::holds_alternative<bool>(v) || !AsNumber(v, &x))
              return Status::InvalidArgument("must be a number", path);
            if (!(x >= d.low && x <= d.high))
              return Status::InvalidArgument("must lie in [low, high]", path);
            return Status::Ok();
          } else {
            auto* i = std::get_if<std::int64_t>(&v);
            if (!i) return Status::InvalidArgument("must be an integer", path);
            if (*i < d.low || *i > d.high) return Status::InvalidArgument("must lie in [low, high]", path);
            return Status::Ok();
          }
        },
        spec.dist);
    AT_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

bool SearchSpace::IsCategorical(std::size_t i) const {
  return std::holds_alternative<CategoricalDist>(params_[i].dist);
}

std::int64_t SearchSpace::Cardinality(std::size_t i) const {
  const auto& d = params_[i].dist;
  if (auto* c = std::get_if<CategoricalDist>(&d)) return static_cast<std::int64_t>(c->choices.size());
  if (auto* n = std::get_if<IntDist>(&d)) return n->high - n->low + 1;
  return 0;
}

}  // namespace autotune
