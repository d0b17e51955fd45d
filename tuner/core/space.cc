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

// Distance from low up to v (v >= low), exact even when it exceeds int64.
std::uint64_t Offset(std::int64_t low, std::int64_t v) {
  return static_cast<std::uint64_t>(v) - static_cast<std::uint64_t>(low);
}

// Number of values of an int range, as a double (up to 2^64).
double Count(const IntDist& d) { return static_cast<double>(Offset(d.low, d.high)) + 1.0; }

// An int value's coordinate: the centre of its cell. Computed from the offset
// to low - 0.5 rather than from the values themselves, which a double cannot
// tell apart near INT64_MAX.
double EncodeInt(const IntDist& d, std::int64_t v) {
  v = std::clamp(v, d.low, d.high);
  const double t = static_cast<double>(Offset(d.low, v)) + 0.5;
  if (!d.log) return t / Count(d);
  const double base = static_cast<double>(d.low) - 0.5;  // >= 0.5
  return std::log1p(t / base) / std::log1p(Count(d) / base);
}

// The inverse: u's distance t from low - 0.5 (linear, or on the log scale
// through expm1 so narrow ranges near INT64_MAX keep their resolution), then
// low + floor(t), held inside [low, high].
std::int64_t DecodeInt(const IntDist& d, double u) {
  if (u >= 1) return d.high;  // exactly, whatever expm1's rounding
  double t;
  if (!d.log) {
    t = u * Count(d);
  } else {
    const double base = static_cast<double>(d.low) - 0.5;
    t = base * std::expm1(u * std::log1p(Count(d) / base));
  }
  if (!(t >= 1)) return d.low;  // also NaN
  const std::uint64_t span = Offset(d.low, d.high);
  const std::uint64_t off = t >= 0x1p64 ? span : std::min(static_cast<std::uint64_t>(t), span);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(d.low) + off);
}

double DecodeFloat(const FloatDist& d, double u) {
  double v = d.log ? std::exp(std::log(d.low) + u * (std::log(d.high) - std::log(d.low)))
                   : Interpolate(d.low, d.high, u);
  // The ends of the cube are the bounds exactly (exp(log(low)) may not be).
  if (u == 0) v = d.low;
  if (u == 1) v = d.high;
  return std::clamp(v, d.low, d.high);
}

// A double as the nearest int of [low, high] (NaN as low), without the
// undefined conversion of values beyond int64.
std::int64_t RoundInto(double v, std::int64_t low, std::int64_t high) {
  if (!(v > static_cast<double>(low))) return low;
  if (v >= static_cast<double>(high)) return high;
  return std::clamp<std::int64_t>(std::llround(v), low, high);
}

bool SameType(const ParamValue& a, const ParamValue& b) { return a.index() == b.index(); }

}  // namespace

double Interpolate(double low, double high, double t) {
  if (t == 0) return low;
  if (t == 1) return high;
  const double width = high - low;
  if (std::isfinite(width)) return low + t * width;
  return 2 * (low / 2 + t * (high / 2 - low / 2));  // the width overflows; half of it does not
}

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
          } else if constexpr (std::is_same_v<D, IntDist>) {
            double x = 0;
            const auto* n = std::get_if<std::int64_t>(&v);
            u[i] = EncodeInt(d, n ? *n : AsNumber(v, &x) ? RoundInto(x, d.low, d.high) : d.low);
          } else {
            double x = 0;
            AsNumber(v, &x);
            if (d.log) {
              x = std::log(std::max(x, d.low));  // below low (or <= 0): the bottom of the cube
              u[i] = Clamp01((x - std::log(d.low)) / (std::log(d.high) - std::log(d.low)));
            } else if (std::isfinite(d.high - d.low)) {
              u[i] = Clamp01((x - d.low) / (d.high - d.low));
            } else {  // the width overflows a double (-1.7e308 to 1.7e308); half of it does not
              u[i] = Clamp01((x / 2 - d.low / 2) / (d.high / 2 - d.low / 2));
            }
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
            out[params_[i].name] = DecodeFloat(d, x);
          } else {
            out[params_[i].name] = DecodeInt(d, x);
          }
        },
        params_[i].dist);
  }
  return out;
}

Status SearchSpace::Validate(const Params& p) const {
  for (const auto& entry : p) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture those
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
  if (auto* n = std::get_if<IntDist>(&d)) {
    const std::uint64_t span = Offset(n->low, n->high);
    return span >= static_cast<std::uint64_t>(kMaxCardinality) ? kMaxCardinality
                                                               : static_cast<std::int64_t>(span) + 1;
  }
  return 0;
}

}  // namespace autotune
