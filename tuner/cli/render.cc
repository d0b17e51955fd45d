#include "tuner/cli/render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "web/views.h"

namespace autotune {
namespace {

using web::OptionalJson;
using web::ParamsJson;

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string FormatDuration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "?";
  long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string FormatValue(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", *v);
  return buf;
}

std::string ProgressLine(const Progress& p) {
  std::string s = std::to_string(p.completed) + "/" + std::to_string(p.total) + " done, " +
                  std::to_string(p.running) + " running";
  if (p.failed) s += ", " + std::to_string(p.failed) + " failed";
  if (p.best_value && p.best_trial_id)
    s += ", best " + FormatValue(p.best_value) + " (trial id " + std::to_string(*p.best_trial_id) + ")";
  s += ", " + FormatDuration(p.elapsed_s) + " elapsed";
  if (p.eta_s >= 0) s += ", ETA " + FormatDuration(p.eta_s);
  return s;
}

std::vector<TrialRecord> RankTrials(std::vector<TrialRecord> trials, const Objective& objective,
                                    std::size_t limit) {
  // Completed trials with a value, then the others, failed ones last.
  auto rank = [](const TrialRecord& t) {
    if (t.state == TrialState::kCompleted && t.value) return 0;
    return t.state == TrialState::kFailed ? 2 : 1;
  };
  std::stable_sort(trials.begin(), trials.end(), [&](const TrialRecord& a, const TrialRecord& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (rank(a) == 0 && (objective.Better(*a.value, *b.value) || objective.Better(*b.value, *a.value)))
      return objective.Better(*a.value, *b.value);
    return a.number < b.number;
  });
  if (limit && trials.size() > limit) trials.resize(limit);
  return trials;
}

std::string TrialTable(const std::vector<TrialRecord>& ranked, const std::string& metric, bool errors) {
  // PBT studies show each trial's lineage: the trial it last copied and how many copies led to it.
  const bool lineage = std::any_of(ranked.begin(), ranked.end(), [](const TrialRecord& t) { return t.parent_id; });
  std::string out = Pad("rank", 6) + Pad("trial", 8) + Pad("state", 11) + Pad(metric, 14) + Pad("step", 8) +
                    (lineage ? Pad("parent", 8) + Pad("gen", 5) : "") + "params" + (errors ? "  | error" : "") + "\n";
  int rank = 0;
  for (const auto& t : ranked) {
    ++rank;
    out += Pad(std::to_string(rank), 6) + Pad(std::to_string(t.id), 8) + Pad(ToString(t.state), 11) +
           Pad(FormatValue(t.value), 14) + Pad(std::to_string(t.step), 8) +
           (lineage ? Pad(t.parent_id ? std::to_string(*t.parent_id) : "-", 8) + Pad(std::to_string(t.generation), 5)
                    : "") +
           ToString(t.params) + (errors ? "  | " + t.error : "") + "\n";
  }
  return out;
}

std::string TrialDetailText(const TrialRecord& t, const std::vector<SegmentRecord>& segments,
                            const std::string& study, const std::string& metric) {
  std::string out = "trial " + std::to_string(t.id) + " (number " + std::to_string(t.number) + " of study " +
                    study + "): " + ToString(t.state) + "\n";
  out += metric + ": " + FormatValue(t.value) + " at step " + std::to_string(t.step) + "\n";
  out += "params: " + ToString(t.params) + "\n";
  if (t.parent_id) {
    out += "parent: trial " + std::to_string(*t.parent_id) + ", generation " + std::to_string(t.generation) + "\n";
  }
  if (!t.checkpoint.empty()) out += "checkpoint: " + t.checkpoint + "\n";
  if (!t.error.empty()) out += "error: " + t.error + "\n";
  out += "segments:\n  " + Pad("id", 8) + Pad("steps", 14) + Pad("try", 5) + Pad("state", 11) + Pad("exit", 6) +
         Pad(metric, 12) + "error\n";
  for (const auto& s : segments) {
    out += "  " + Pad(std::to_string(s.id), 8) +
           Pad("[" + std::to_string(s.step_begin) + ", " + std::to_string(s.step_end) + ")", 14) +
           Pad(std::to_string(s.attempt), 5) + Pad(ToString(s.state), 11) + Pad(std::to_string(s.exit_code), 6) +
           Pad(FormatValue(s.value), 12) + s.error + "\n";
  }
  if (!segments.empty() && !segments.back().log_tail.empty()) {
    std::vector<std::string> lines;
    std::stringstream ss(segments.back().log_tail);
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
    const std::size_t from = lines.size() > 20 ? lines.size() - 20 : 0;
    out += "output of segment " + std::to_string(segments.back().id) + " ended with:\n";
    for (std::size_t i = from; i < lines.size(); ++i) out += "  | " + lines[i] + "\n";
  }
  return out;
}

std::string TrialDetailJson(const TrialRecord& t, const std::vector<SegmentRecord>& segments) {
  nlohmann::json j = web::TrialJson(t);
  j["segments"] = nlohmann::json::array();
  for (const auto& s : segments) j["segments"].push_back(web::SegmentJson(s));
  return web::Dump(j, 2);
}

std::string TrialsJson(const std::vector<TrialRecord>& trials) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& t : trials) {
    a.push_back({{"trial_id", t.id},
                 {"state", ToString(t.state)},
                 {"value", OptionalJson(t.value)},
                 {"params", ParamsJson(t.params)},
                 {"parent_id", t.parent_id ? nlohmann::json(*t.parent_id) : nlohmann::json(nullptr)},
                 {"generation", t.generation}});
  }
  return a.dump(2);
}

std::string BestJson(const TrialRecord& t) { return web::BestJson(t).dump(2); }

std::string TrialsCsv(const std::vector<TrialRecord>& trials) {
  std::set<std::string> names;
  for (const auto& t : trials)
    for (const auto& [k, v] : t.params) names.insert(k);
  std::string out = "trial_id,number,state,value,step";
  for (const auto& n : names) out += "," + CsvField(n);
  out += "\n";
  for (const auto& t : trials) {
    out += std::to_string(t.id) + "," + std::to_string(t.number) + "," + ToString(t.state) + "," +
           (t.value ? nlohmann::json(*t.value).dump() : "") + "," + std::to_string(t.step);
    for (const auto& n : names) {
      auto it = t.params.find(n);
      out += "," + (it == t.params.end() ? "" : CsvField(ToString(it->second)));
    }
    out += "\n";
  }
  return out;
}

}  // namespace autotune
