// Command-line helpers shared by the bench programs: a searcher given as
// "name:opt=value:opt=value" and comma-separated lists.
#pragma once

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "tuner/core/spec.h"

namespace autotune::bench {

inline std::vector<std::string> SplitList(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

// "true"/"false", an integer, a number, else the text itself.
inline OptionValue ParseOptionValue(const std::string& s) {
  if (s == "true") return true;
  if (s == "false") return false;
  char* end = nullptr;
  long long i = std::strtoll(s.c_str(), &end, 10);
  if (end && *end == '\0') return static_cast<std::int64_t>(i);
  double d = std::strtod(s.c_str(), &end);
  if (end && *end == '\0') return d;
  return s;
}

// "tpe:multivariate=true" -> {"tpe", {multivariate: true}}; parts without '='
// are ignored.
inline AlgorithmSpec ParseAlgorithmArg(const std::string& text) {
  auto parts = SplitList(text, ':');
  AlgorithmSpec spec{parts.empty() ? text : parts[0], {}};
  for (std::size_t i = 1; i < parts.size(); ++i) {
    auto eq = parts[i].find('=');
    if (eq == std::string::npos) continue;
    spec.options[parts[i].substr(0, eq)] = ParseOptionValue(parts[i].substr(eq + 1));
  }
  return spec;
}

// The inverse of ParseAlgorithmArg: "tpe:multivariate=true".
inline std::string AlgorithmLabel(const AlgorithmSpec& spec) {
  std::string label = spec.algorithm;
  for (const auto& [k, v] : spec.options) label += ":" + k + "=" + ToString(v);
  return label;
}

}  // namespace autotune::bench
