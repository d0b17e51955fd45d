// SearchSpace: the typed parameter distributions of a study, and the mapping
// between params and the unit cube [0, 1]^d that model-based searchers work in.
//
// Encoding (one dimension per parameter, in name order):
//   float:       u = (v - low) / (high - low)           (log: on log v)
//   int:         widened by half a step on each side, u = (v - low + 0.5) / (high - low + 1)
//                (log: on log v over [low - 0.5, high + 0.5]); decoding takes low + floor(t)
//                for t = u (high - low + 1) (log: its log-scale counterpart), computed from
//                offsets, so ranges anywhere in [INT64_MIN, INT64_MAX] decode exactly
//   categorical: u = (index + 0.5) / k; decoding takes floor(u * k)
// Decode clamps u into [0, 1] first, so any point of R^d decodes to valid params,
// finite and inside the bounds, also when high - low overflows a double.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tuner/core/params.h"
#include "tuner/core/status.h"

namespace autotune {

struct FloatDist {
  double low = 0, high = 1;
  bool log = false;
  std::vector<double> values;  // explicit grid values (grid searcher), optional
};

struct IntDist {
  std::int64_t low = 0, high = 1;
  bool log = false;
  std::vector<std::int64_t> values;  // explicit grid values, optional
};

struct CategoricalDist {
  std::vector<ParamValue> choices;  // non-empty, distinct
};

using Distribution = std::variant<FloatDist, IntDist, CategoricalDist>;

struct ParamSpec {
  std::string name;
  Distribution dist;
  std::optional<ParamValue> init;  // a start point for searchers that use one
  int grid_points = 0;             // per-param grid size for `grid` (0: searcher default)
};

// low + t (high - low) for t in [0, 1]: the ends exactly, and finite even
// when high - low overflows a double (-1.7e308 to 1.7e308).
double Interpolate(double low, double high, double t);

class SearchSpace {
 public:
  SearchSpace() = default;
  // Validates every parameter; errors name the field, e.g. "space.lr.low".
  static StatusOr<SearchSpace> Create(std::vector<ParamSpec> params);

  const std::vector<ParamSpec>& params() const { return params_; }
  std::size_t dims() const { return params_.size(); }

  std::vector<double> Encode(const Params& p) const;
  Params Decode(const std::vector<double>& u) const;

  // Checks that p has exactly this space's names and in-range values of the
  // right types; the error names "params.<name>".
  Status Validate(const Params& p) const;

  // True when dimension i is categorical.
  bool IsCategorical(std::size_t i) const;
  // Number of distinct values of dimension i (0 for continuous floats). Int
  // ranges wider than kMaxCardinality report kMaxCardinality: finer cells
  // than 2^-53 of the cube cannot be told apart by a double anyway.
  std::int64_t Cardinality(std::size_t i) const;
  static constexpr std::int64_t kMaxCardinality = std::int64_t{1} << 53;

 private:
  explicit SearchSpace(std::vector<ParamSpec> params) : params_(std::move(params)) {}
  std::vector<ParamSpec> params_;
};

}  // namespace autotune
