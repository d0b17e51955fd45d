#include "tuner/core/json_fields.h"

#include <cmath>

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

Status JsonFields::Int(const std::string& key, std::int64_t* out, bool required) {
  const auto* v = Get(key);
  if (!v) return required ? Status::InvalidArgument("is required", Path(key)) : Status::Ok();
  if (v->is_number_integer()) {
    *out = v->get<std::int64_t>();
    return Status::Ok();
  }
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      *out = static_cast<std::int64_t>(d);
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("must be an integer", Path(key));
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

bool ScalarToParam(const nlohmann::json& j, ParamValue* out) {
  if (j.is_boolean()) return *out = j.get<bool>(), true;
  if (j.is_number_integer()) return *out = j.get<std::int64_t>(), true;
  if (j.is_number_float()) return *out = j.get<double>(), true;
  if (j.is_string()) return *out = j.get<std::string>(), true;
  return false;
}

nlohmann::json ParamToJson(const ParamValue& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

}  // namespace autotune::detail
