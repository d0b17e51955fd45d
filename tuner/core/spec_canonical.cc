#include "tuner/core/spec_canonical.h"

#include <nlohmann/json.hpp>

#include "tuner/core/json_fields.h"

namespace autotune {
namespace {

using nlohmann::json;

json ParamJson(const ParamSpec& p) {
  json j = json::object();
  if (const auto* f = std::get_if<FloatDist>(&p.dist)) {
    j = {{"type", "float"}, {"low", f->low}, {"high", f->high}, {"log", f->log}};
    if (!f->values.empty()) j["values"] = f->values;
  } else if (const auto* i = std::get_if<IntDist>(&p.dist)) {
    j = {{"type", "int"}, {"low", i->low}, {"high", i->high}, {"log", i->log}};
    if (!i->values.empty()) j["values"] = i->values;
  } else {
    const auto& c = std::get<CategoricalDist>(p.dist);
    json choices = json::array();
    for (const auto& v : c.choices) choices.push_back(detail::ParamToJson(v));
    j = {{"type", "categorical"}, {"choices", choices}};
  }
  if (p.grid_points > 0) j["grid_points"] = p.grid_points;
  if (p.init) j["init"] = detail::ParamToJson(*p.init);
  return j;
}

json AlgorithmJson(const AlgorithmSpec& a) {
  json j = {{"algorithm", a.algorithm}};
  for (const auto& [k, v] : a.options) j[k] = detail::ParamToJson(v);
  for (const auto& [k, list] : a.lists) {
    json arr = json::array();
    for (const auto& v : list) arr.push_back(detail::ParamToJson(v));
    j[k] = arr;
  }
  if (!a.mutations.empty()) {
    json m = json::object();
    for (const auto& p : a.mutations) {
      const auto* c = std::get_if<CategoricalDist>(&p.dist);
      if (c) {  // a list of values is written back as one
        json arr = json::array();
        for (const auto& v : c->choices) arr.push_back(detail::ParamToJson(v));
        m[p.name] = arr;
      } else {
        m[p.name] = ParamJson(p);
      }
    }
    j["mutations"] = m;
  }
  if (!a.schedule.empty()) {
    json arr = json::array();
    for (const auto& s : a.schedule) {
      json params = json::object();
      for (const auto& [k, v] : s.params) params[k] = detail::ParamToJson(v);
      arr.push_back({{"step", s.step}, {"params", params}});
    }
    j["schedule"] = arr;
  }
  return j;
}

}  // namespace

std::string CanonicalSpecJson(const StudySpec& spec) {
  json j = json::object();
  j["name"] = spec.name;
  j["objective"] = {{"metric", spec.objective.metric}, {"mode", spec.objective.mode == Mode::kMax ? "max" : "min"}};
  json space = json::object();
  for (const auto& p : spec.space.params()) space[p.name] = ParamJson(p);
  j["space"] = space;
  j["searcher"] = AlgorithmJson(spec.searcher);
  j["scheduler"] = spec.scheduler ? AlgorithmJson(*spec.scheduler) : json{{"algorithm", "none"}};
  if (spec.trial) {
    const TrialSpec& t = *spec.trial;
    j["trial"] = {{"command", t.command_as_written.empty() ? t.command : t.command_as_written},
                  {"env", t.env},
                  {"gpus", t.gpus},
                  {"max_steps", t.max_steps},
                  {"timeout_s", t.timeout_s},
                  {"retries", t.retries},
                  {"keep_checkpoints", t.keep_checkpoints.value_or(kDefaultKeepCheckpoints)}};
  }
  j["budget"] = {{"max_trials", spec.budget.max_trials},
                 {"max_parallel", spec.budget.max_parallel},
                 {"max_time_s", spec.budget.max_time_s}};
  if (!spec.trial) j["budget"]["ask_lease_s"] = spec.budget.ask_lease_s;
  j["seed"] = spec.seed;
  if (!spec.enqueue.empty()) {
    json e = json::array();
    for (const auto& p : spec.enqueue) {
      json params = json::object();
      for (const auto& [k, v] : p) params[k] = detail::ParamToJson(v);
      e.push_back(params);
    }
    j["enqueue"] = e;
  }
  if (!spec.warm_start.empty() || !spec.warm_start_study.empty()) {
    json w = json::object();
    if (!spec.warm_start_study.empty()) w["study"] = spec.warm_start_study;
    if (!spec.warm_start.empty()) {
      json trials = json::array();
      for (const auto& t : spec.warm_start) {
        json params = json::object();
        for (const auto& [k, v] : t.params) params[k] = detail::ParamToJson(v);
        trials.push_back({{"params", params}, {"value", t.value}});
      }
      w["trials"] = trials;
    }
    j["warm_start"] = w;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace autotune
