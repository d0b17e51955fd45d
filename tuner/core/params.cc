#include "tuner/core/params.h"

#include <cmath>
#include <cstdio>

namespace autotune {

bool AsNumber(const ParamValue& v, double* out) {
  if (auto* d = std::get_if<double>(&v)) return *out = *d, true;
  if (auto* i = std::get_if<std::int64_t>(&v)) return *out = static_cast<double>(*i), true;
  if (auto* b = std::get_if<bool>(&v)) return *out = *b ? 1.0 : 0.0, true;
  return false;
}

ParamValue CanonicalJsonValue(const ParamValue& v) {
  const double* d = std::get_if<double>(&v);
  // [-2^63, 2^63): every integral double in it converts to int64 exactly.
  if (d && *d == std::floor(*d) && *d >= -0x1p63 && *d < 0x1p63) return static_cast<std::int64_t>(*d);
  return v;
}

std::string ToString(const ParamValue& v) {
  if (auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", *d);
    return buf;
  }
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return std::get<std::string>(v);
}

std::string ToString(const Params& p) {
  std::string out;
  for (const auto& [name, value] : p) {
    if (!out.empty()) out += ' ';
    out += name + "=" + ToString(value);
  }
  return out;
}

}  // namespace autotune
