// Strict reading of JSON objects for spec parsing: every read names the
// field's path, and Unknown() rejects keys nobody asked for.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "tuner/core/params.h"
#include "tuner/core/status.h"

namespace autotune::detail {

class JsonFields {
 public:
  // j must be an object (checked by the caller through IsObject).
  JsonFields(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {}

  static Status IsObject(const nlohmann::json& j, const std::string& path) {
    if (!j.is_object()) return Status::InvalidArgument("must be an object", path);
    return Status::Ok();
  }

  std::string Path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const nlohmann::json* Get(const std::string& key) {
    seen_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  bool Has(const std::string& key) const { return j_.contains(key); }

  Status String(const std::string& key, std::string* out, bool required);
  Status Number(const std::string& key, double* out, bool required);
  // An integer in [min, max]; an integral float (100.0) counts. Anything else,
  // including integers beyond int64 (2^64 - 1), is refused with
  // "must be an integer in [min, max]".
  Status Int(const std::string& key, std::int64_t* out, bool required,
             std::int64_t min = std::numeric_limits<std::int64_t>::min(),
             std::int64_t max = std::numeric_limits<std::int64_t>::max());
  Status Bool(const std::string& key, bool* out);
  // Rejects keys that were never read.
  Status Unknown() const;

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

// A JSON scalar (number, bool, string) as a ParamValue; integral numbers
// become int64. Null, arrays and objects are refused with "must be a number,
// string or boolean", integers beyond int64 with their range; errors name path.
Status ScalarToParam(const nlohmann::json& j, const std::string& path, ParamValue* out);
// j as an int64 when it is an integer that fits (and, with integral_floats,
// an integral float below 2^53 such as 100.0).
std::optional<std::int64_t> ToInt64(const nlohmann::json& j, bool integral_floats);
// "must be an integer in [min, max]".
std::string IntRangeMessage(std::int64_t min, std::int64_t max);
nlohmann::json ParamToJson(const ParamValue& v);

}  // namespace autotune::detail
