#include "tuner/core/json_fields.h"

#include <cmath>
#include <optional>

namespace autotune::detail {

Status JsonFields::String(const std::string& key, std::string* out, bool required) {
  const auto* v = Get(key);
  if (!v) return required ? Status::InvalidArgument("is required", Path(key)) : Status::Ok();
  if (!v->is_string()) return Status::InvalidArgument("must be a string", Path(key));
  *out = v->get<std::string>();
  return Status::Ok();
}

Status JsonFields::Number(const std::string& key, double* out, bool required) {
  const auto* v = Get(key);
  if (!v) return required ? Status::InvalidArgument("is required", Path(key)) : Status::Ok();
  if (!v->is_number()) return Status::InvalidArgument("must be a number", Path(key));
  *out = v->get<double>();
  if (!std::isfinite(*out)) return Status::InvalidArgument("must be a finite number", Path(key));
  return Status::Ok();
}

std::optional<std::int64_t> ToInt64(const nlohmann::json& j, bool integral_floats) {
  if (j.is_number_unsigned()) {
    // nlohmann keeps non-negative integers as uint64: 2^64 - 1 must not wrap to -1.
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (integral_floats && j.is_number_float()) {
    const double d = j.get<double>();
    // Below 2^53 every integral double is exact.
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

Status JsonFields::Int(const std::string& key, std::int64_t* out, bool required, std::int64_t min,
                       std::int64_t max) {
  const auto* v = Get(key);
  if (!v) return required ? Status::InvalidArgument("is required", Path(key)) : Status::Ok();
  std::optional<std::int64_t> value = ToInt64(*v, true);
  if (!value || *value < min || *value > max)
    return Status::InvalidArgument(IntRangeMessage(min, max), Path(key));
  *out = *value;
  return Status::Ok();
}

Status JsonFields::Bool(const std::string& key, bool* out) {
  const auto* v = Get(key);
  if (!v) return Status::Ok();
  if (!v->is_boolean()) return Status::InvalidArgument("must be true or false", Path(key));
  *out = v->get<bool>();
  return Status::Ok();
}

Status JsonFields::Unknown() const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (!seen_.count(it.key())) return Status::InvalidArgument("is not a known field", Path(it.key()));
  }
  return Status::Ok();
}

Status ScalarToParam(const nlohmann::json& j, const std::string& path, ParamValue* out) {
  if (j.is_boolean()) {
    *out = j.get<bool>();
  } else if (j.is_number_integer()) {
    std::optional<std::int64_t> i = ToInt64(j, false);
    if (!i) {
      return Status::InvalidArgument(
          IntRangeMessage(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()),
          path);
    }
    *out = *i;
  } else if (j.is_number_float()) {
    *out = j.get<double>();
  } else if (j.is_string()) {
    *out = j.get<std::string>();
  } else {
    return Status::InvalidArgument("must be a number, string or boolean", path);
  }
  return Status::Ok();
}

std::string IntRangeMessage(std::int64_t min, std::int64_t max) {
  return "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

nlohmann::json ParamToJson(const ParamValue& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

}  // namespace autotune::detail
