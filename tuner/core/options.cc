#include "tuner/core/options.h"

#include <cmath>

namespace autotune {

const OptionValue* OptionReader::Get(const std::string& name) {
  read_.insert(name);
  if (spec_ && spec_->lists.count(name)) {
    Fail(name, "must be a single value, not an array");
    return nullptr;
  }
  auto it = options_.find(name);
  return it == options_.end() ? nullptr : &it->second;
}

void OptionReader::Fail(const std::string& name, const std::string& msg) {
  if (status_.ok()) status_ = Status::InvalidArgument(msg, prefix_ + "." + name);
}

double OptionReader::Double(const std::string& name, double def, double min, double max) {
  const OptionValue* v = Get(name);
  if (!v) return def;
  double x;
  if (std::holds_alternative<bool>(*v) || !AsNumber(*v, &x)) return Fail(name, "must be a number"), def;
  if (!(x >= min && x <= max)) {
    Fail(name, "must lie in [" + ToString(OptionValue(min)) + ", " + ToString(OptionValue(max)) + "]");
    return def;
  }
  return x;
}

std::int64_t OptionReader::Int(const std::string& name, std::int64_t def, std::int64_t min,
                               std::int64_t max) {
  const OptionValue* v = Get(name);
  if (!v) return def;
  auto* i = std::get_if<std::int64_t>(v);
  if (!i) return Fail(name, "must be an integer"), def;
  if (*i < min || *i > max) {
    Fail(name, "must lie in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return def;
  }
  return *i;
}

bool OptionReader::Bool(const std::string& name, bool def) {
  const OptionValue* v = Get(name);
  if (!v) return def;
  auto* b = std::get_if<bool>(v);
  if (!b) return Fail(name, "must be true or false"), def;
  return *b;
}

std::string OptionReader::String(const std::string& name, const std::string& def,
                                 const std::set<std::string>& allowed) {
  const OptionValue* v = Get(name);
  if (!v) return def;
  auto* s = std::get_if<std::string>(v);
  if (!s || !allowed.count(*s)) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    Fail(name, "must be one of: " + list);
    return def;
  }
  return *s;
}

std::vector<double> OptionReader::DoubleList(const std::string& name, const std::vector<double>& def, double min,
                                             double max) {
  read_.insert(name);
  if (options_.count(name)) return Fail(name, "must be an array of numbers"), def;
  if (!spec_ || !spec_->lists.count(name)) return def;
  const auto& list = spec_->lists.at(name);
  if (list.empty()) return Fail(name, "must not be empty"), def;
  std::vector<double> out;
  for (const auto& v : list) {
    double x;
    if (std::holds_alternative<bool>(v) || !AsNumber(v, &x)) return Fail(name, "must hold numbers"), def;
    if (!(x >= min && x <= max)) {
      Fail(name, "values must lie in [" + ToString(OptionValue(min)) + ", " + ToString(OptionValue(max)) + "]");
      return def;
    }
    out.push_back(x);
  }
  return out;
}

Status OptionReader::Finish() {
  if (!status_.ok()) return status_;
  for (const auto& [name, value] : options_) {
    if (!read_.count(name)) return Status::InvalidArgument("is not an option of this algorithm", prefix_ + "." + name);
  }
  if (spec_) {
    for (const auto& [name, list] : spec_->lists) {
      if (!read_.count(name)) return Status::InvalidArgument("is not an option of this algorithm", prefix_ + "." + name);
    }
    if (!mutations_ok_ && !spec_->mutations.empty())
      return Status::InvalidArgument("is not an option of this algorithm", prefix_ + ".mutations");
    if (!schedule_ok_ && !spec_->schedule.empty())
      return Status::InvalidArgument("is not an option of this algorithm", prefix_ + ".schedule");
  }
  return Status::Ok();
}

}  // namespace autotune
