// Typed parameter values. JSON stays at the edges (see json_io.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace autotune {

// One parameter's value: floats, ints, booleans and strings (categorical choices
// may be any JSON scalar).
using ParamValue = std::variant<double, std::int64_t, bool, std::string>;

// A full assignment, keyed by parameter name (ordered, so iteration is stable).
using Params = std::map<std::string, ParamValue>;

// Numeric view of a value: doubles and ints as themselves, bools as 0/1;
// strings are not numeric (returns false).
bool AsNumber(const ParamValue& v, double* out);

// The canonical form of a value as JSON sees it: a number that is an integer
// fitting int64 becomes that int64 (1.0 -> 1, -0.0 -> 0), other numbers stay
// doubles, booleans and strings stay as they are. Two values are the same JSON
// value when their canonical forms are equal: 1 and 1.0 are, 1 and true or
// "1" are not. This is the rule for repeated categorical choices.
ParamValue CanonicalJsonValue(const ParamValue& v);
inline bool SameJsonValue(const ParamValue& a, const ParamValue& b) {
  return CanonicalJsonValue(a) == CanonicalJsonValue(b);
}

// Human-readable rendering: 0.001, 12, true, "adam" (strings unquoted).
std::string ToString(const ParamValue& v);

// "lr=0.001 opt=adam" for logs and tables.
std::string ToString(const Params& p);

}  // namespace autotune
