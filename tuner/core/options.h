// Reads an algorithm's scalar options (searcher or scheduler) with defaults
// and range checks; every error names "<prefix>.<option>"
// ("searcher.n_startup", "scheduler.reduction_factor"). Call Finish() last:
// it rejects options that were never read (unknown to the algorithm).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tuner/core/spec.h"
#include "tuner/core/status.h"

namespace autotune {

class OptionReader {
 public:
  OptionReader(const Options& options, std::string prefix = "searcher")
      : options_(options), prefix_(std::move(prefix)) {}
  // Also reads the section's list options; Finish() then rejects unread
  // lists, and mutations or a schedule unless Accept...() was called.
  OptionReader(const AlgorithmSpec& spec, std::string prefix)
      : options_(spec.options), spec_(&spec), prefix_(std::move(prefix)) {}

  // Each returns the option's value (or the default when absent) and records
  // the first error; check status() or Finish().
  double Double(const std::string& name, double def, double min, double max);
  std::int64_t Int(const std::string& name, std::int64_t def, std::int64_t min, std::int64_t max);
  bool Bool(const std::string& name, bool def);
  std::string String(const std::string& name, const std::string& def, const std::set<std::string>& allowed);
  // A list of numbers, each in [min, max], at least one.
  std::vector<double> DoubleList(const std::string& name, const std::vector<double>& def, double min, double max);
  void AcceptMutations() { mutations_ok_ = true; }
  void AcceptSchedule() { schedule_ok_ = true; }

  Status Finish();
  const Status& status() const { return status_; }

 private:
  const OptionValue* Get(const std::string& name);
  void Fail(const std::string& name, const std::string& msg);

  const Options& options_;
  const AlgorithmSpec* spec_ = nullptr;
  std::string prefix_;
  bool mutations_ok_ = false, schedule_ok_ = false;
  std::set<std::string> read_;
  Status status_;
};

}  // namespace autotune
