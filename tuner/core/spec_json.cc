#include "tuner/core/spec_json.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tuner/core/json_check.h"
#include "tuner/core/json_fields.h"
#include "tuner/core/space_json.h"
#include "tuner/core/spec_canonical.h"

namespace autotune {
namespace {

namespace fs = std::filesystem;
using detail::JsonFields;
using nlohmann::json;

bool IsExecutableFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// Finds argv[0]: a path (relative to base_dir) or a program on PATH. Without
// check_programs a path is only made absolute and a bare name not on PATH is
// kept as it is.
StatusOr<std::string> ResolveProgram(const std::string& prog, const fs::path& base, bool check_programs) {
  const std::string field = "trial.command[0]";
  if (prog.empty()) return Status::InvalidArgument("must not be empty", field);
  if (prog.find('/') != std::string::npos) {
    fs::path p = fs::path(prog).is_absolute() ? fs::path(prog) : base / prog;
    p = p.lexically_normal();
    if (check_programs && !IsExecutableFile(p))
      return Status::InvalidArgument("'" + p.string() + "' is not an executable file", field);
    return p.string();
  }
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    fs::path dir = path.substr(start, end - start);
    if (!dir.empty() && IsExecutableFile(dir / prog)) return (dir / prog).string();
    start = end + 1;
  }
  // A bare name that is not on PATH may still be a program beside the spec.
  if (IsExecutableFile(base / prog)) return (base / prog).lexically_normal().string();
  if (!check_programs) return prog;
  return Status::InvalidArgument("program '" + prog + "' was not found on PATH or in " + base.string(), field);
}

// Resolves the command: argv[0] as a program; later arguments that name an
// existing file relative to the spec's folder become absolute paths.
Status ParseCommand(const json* j, const fs::path& base, bool check_programs, std::vector<std::string>* argv,
                    json* canonical) {
  if (!j) return Status::InvalidArgument("is required", "trial.command");
  if (!j->is_array() || j->empty())
    return Status::InvalidArgument("must be a non-empty array of strings", "trial.command");
  *canonical = json::array();
  for (std::size_t i = 0; i < j->size(); ++i) {
    if (!(*j)[i].is_string())
      return Status::InvalidArgument("must be a string", "trial.command[" + std::to_string(i) + "]");
    std::string arg = (*j)[i].get<std::string>();
    std::string shown = arg;
    if (i == 0) {
      AT_ASSIGN_OR_RETURN(arg, ResolveProgram(arg, base, check_programs));
      if (shown.find('/') != std::string::npos) shown = arg;
    } else if (!arg.empty() && arg[0] != '-' && fs::path(arg).is_relative()) {
      std::error_code ec;
      fs::path p = (base / arg).lexically_normal();
      if (fs::exists(p, ec)) arg = shown = p.string();
    }
    argv->push_back(arg);
    canonical->push_back(shown);
  }
  return Status::Ok();
}

Status ParseObjective(const json& j, Objective* o) {
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, "objective"));
  JsonFields f(j, "objective");
  AT_RETURN_IF_ERROR(f.String("metric", &o->metric, true));
  if (o->metric.empty() || o->metric == "step")
    return Status::InvalidArgument("must name a reported metric other than step", "objective.metric");
  std::string mode = "min";
  AT_RETURN_IF_ERROR(f.String("mode", &mode, false));
  if (mode != "min" && mode != "max") return Status::InvalidArgument("must be min or max", "objective.mode");
  o->mode = mode == "max" ? Mode::kMax : Mode::kMin;
  return f.Unknown();
}

// "mutations": {"lr": [1e-3, 1e-2], "momentum": {"type": "float", ...}}
Status ParseMutations(const json& j, const std::string& path, std::vector<ParamSpec>* out) {
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, path));
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = path + "." + it.key();
    if (it->is_array()) {
      CategoricalDist values;
      for (const auto& x : *it) {
        ParamValue v;
        AT_RETURN_IF_ERROR(detail::ScalarToParam(x, p, &v));
        values.choices.push_back(v);
      }
      if (values.choices.empty()) return Status::InvalidArgument("must not be empty", p);
      out->push_back(ParamSpec{it.key(), values, std::nullopt, 0});
      continue;
    }
    AT_ASSIGN_OR_RETURN(ParamSpec spec, detail::ParseParamSpec(it.key(), *it, p));
    out->push_back(std::move(spec));
  }
  return Status::Ok();
}

// "schedule": [{"step": 0, "params": {...}}, ...], steps increasing from 0.
Status ParseSchedule(const json& j, const std::string& path, std::vector<ScheduledParams>* out) {
  if (!j.is_array() || j.empty()) return Status::InvalidArgument("must be a non-empty array", path);
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    AT_RETURN_IF_ERROR(JsonFields::IsObject(j[i], p));
    JsonFields f(j[i], p);
    ScheduledParams s;
    AT_RETURN_IF_ERROR(f.Int("step", &s.step, true));
    const json* params = f.Get("params");
    if (!params) return Status::InvalidArgument("is required", p + ".params");
    AT_ASSIGN_OR_RETURN(s.params, detail::ParseParamsObject(*params, p + ".params"));
    AT_RETURN_IF_ERROR(f.Unknown());
    if (i == 0 && s.step != 0) return Status::InvalidArgument("the first entry must be at step 0", p + ".step");
    if (i > 0 && s.step <= out->back().step)
      return Status::InvalidArgument("steps must increase", p + ".step");
    out->push_back(std::move(s));
  }
  return Status::Ok();
}

// {"algorithm": "...", <options>...}: scalars, arrays of scalars, and the
// structured "mutations" and "schedule" (each algorithm checks which it takes).
Status ParseAlgorithm(const json& j, const std::string& path, AlgorithmSpec* a) {
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, path));
  *a = AlgorithmSpec{};  // a present section names its algorithm; no default applies
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = path + "." + it.key();
    if (it.key() == "algorithm") {
      if (!it->is_string()) return Status::InvalidArgument("must be a string", p);
      a->algorithm = it->get<std::string>();
      continue;
    }
    if (it.key() == "mutations") {
      AT_RETURN_IF_ERROR(ParseMutations(*it, p, &a->mutations));
      continue;
    }
    if (it.key() == "schedule") {
      AT_RETURN_IF_ERROR(ParseSchedule(*it, p, &a->schedule));
      continue;
    }
    ParamValue v;
    if (it->is_array()) {
      std::vector<OptionValue>& list = a->lists[it.key()];
      for (const auto& x : *it) {
        AT_RETURN_IF_ERROR(detail::ScalarToParam(x, p, &v));
        list.push_back(v);
      }
      continue;
    }
    AT_RETURN_IF_ERROR(detail::ScalarToParam(*it, p, &v));
    a->options[it.key()] = v;
  }
  if (a->algorithm.empty()) return Status::InvalidArgument("is required", path + ".algorithm");
  return Status::Ok();
}

Status ParseTrial(const json& j, const fs::path& base, bool check_programs, TrialSpec* t) {
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, "trial"));
  JsonFields f(j, "trial");
  json cmd;
  AT_RETURN_IF_ERROR(ParseCommand(f.Get("command"), base, check_programs, &t->command, &cmd));
  t->command_as_written = cmd.get<std::vector<std::string>>();
  if (const json* env = f.Get("env")) {
    if (!env->is_object()) return Status::InvalidArgument("must be an object of strings", "trial.env");
    for (auto it = env->begin(); it != env->end(); ++it) {
      if (!it->is_string()) return Status::InvalidArgument("must be a string", "trial.env." + it.key());
      if (it.key().rfind("AUTOTUNE_", 0) == 0)
        return Status::InvalidArgument("AUTOTUNE_ variables are set by autotune", "trial.env." + it.key());
      t->env[it.key()] = it->get<std::string>();
    }
  }
  std::int64_t gpus = 0, retries = 0;
  AT_RETURN_IF_ERROR(f.Int("gpus", &gpus, false, 0, 64));
  t->gpus = static_cast<int>(gpus);
  AT_RETURN_IF_ERROR(f.Int("max_steps", &t->max_steps, false, 1));
  AT_RETURN_IF_ERROR(f.Number("timeout_s", &t->timeout_s, false));
  if (t->timeout_s < 0) return Status::InvalidArgument("must be >= 0 (0: no timeout)", "trial.timeout_s");
  AT_RETURN_IF_ERROR(f.Int("retries", &retries, false, 0, 100));
  t->retries = static_cast<int>(retries);
  if (f.Has("keep_checkpoints")) {
    std::int64_t keep = 0;
    AT_RETURN_IF_ERROR(f.Int("keep_checkpoints", &keep, false));
    if (keep < 0 || keep > 100000) return Status::InvalidArgument("must lie in [0, 100000]", "trial.keep_checkpoints");
    t->keep_checkpoints = static_cast<int>(keep);
  } else {
    f.Get("keep_checkpoints");
  }
  return f.Unknown();
}

Status ParseBudget(const json& j, Budget* b) {
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, "budget"));
  JsonFields f(j, "budget");
  std::int64_t max_trials = b->max_trials, max_parallel = b->max_parallel;
  AT_RETURN_IF_ERROR(f.Int("max_trials", &max_trials, false, 1, 10'000'000));
  AT_RETURN_IF_ERROR(f.Int("max_parallel", &max_parallel, false, 1, 4096));
  AT_RETURN_IF_ERROR(f.Number("max_time_s", &b->max_time_s, false));
  if (b->max_time_s < 0) return Status::InvalidArgument("must be >= 0 (0: no limit)", "budget.max_time_s");
  AT_RETURN_IF_ERROR(f.Number("ask_lease_s", &b->ask_lease_s, false));
  if (!(b->ask_lease_s > 0) || b->ask_lease_s > 1e9)
    return Status::InvalidArgument("must lie in (0, 1e9] seconds", "budget.ask_lease_s");
  b->max_trials = static_cast<int>(max_trials);
  b->max_parallel = static_cast<int>(max_parallel);
  return f.Unknown();
}

Status ParseWarmStart(const json& j, const SearchSpace& space, const Objective& objective, StudySpec* s) {
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, "warm_start"));
  JsonFields f(j, "warm_start");
  AT_RETURN_IF_ERROR(f.String("study", &s->warm_start_study, false));
  if (const json* trials = f.Get("trials")) {
    if (!trials->is_array()) return Status::InvalidArgument("must be an array", "warm_start.trials");
    for (std::size_t i = 0; i < trials->size(); ++i) {
      const std::string path = "warm_start.trials[" + std::to_string(i) + "]";
      AT_RETURN_IF_ERROR(JsonFields::IsObject((*trials)[i], path));
      JsonFields t((*trials)[i], path);
      WarmStartTrial w;
      const json* params = t.Get("params");
      if (!params) return Status::InvalidArgument("is required", path + ".params");
      AT_ASSIGN_OR_RETURN(w.params, detail::ParseParamsObject(*params, path + ".params"));
      w.params = detail::CoerceToSpace(space, std::move(w.params));
      Status valid = space.Validate(w.params);
      if (!valid.ok()) return Status::InvalidArgument(valid.ToString(), path);
      AT_RETURN_IF_ERROR(t.Number("value", &w.value, true));
      AT_RETURN_IF_ERROR(t.Unknown());
      s->warm_start.push_back(std::move(w));
    }
  }
  (void)objective;
  return f.Unknown();
}

// A study name becomes a folder name (<checkpoint-dir>/<name>/...), so it must
// be one plain path component: no separators, no NUL, not "." or "..", and
// no leading '.' (a hidden folder).
bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

StatusOr<ParsedSpec> ParseStudySpec(const std::string& text, const std::string& base_dir,
                                    const SpecParseOptions& options) {
  // Depth and number range are checked on the text first, so the document
  // built below is shallow (its copies and dumps recurse) and holds no
  // number the parser would throw on.
  AT_RETURN_IF_ERROR(detail::CheckJsonText(text, detail::kMaxJsonDepth, "spec"));
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("not valid JSON: ") + e.what(), "spec");
  }
  AT_RETURN_IF_ERROR(JsonFields::IsObject(j, "spec"));
  JsonFields f(j, "");
  ParsedSpec out;
  StudySpec& s = out.spec;
  AT_RETURN_IF_ERROR(f.String("name", &s.name, true));
  if (!ValidName(s.name)) {
    return Status::InvalidArgument(
        "must be 1-128 characters of letters, digits, '-', '_' or '.', not starting with '.' "
        "(it names the study's folder)",
        "name");
  }
  if (const json* o = f.Get("objective")) AT_RETURN_IF_ERROR(ParseObjective(*o, &s.objective));
  const json* space = f.Get("space");
  if (!space) return Status::InvalidArgument("is required", "space");
  AT_ASSIGN_OR_RETURN(s.space, detail::ParseSpace(*space));
  if (const json* a = f.Get("searcher")) AT_RETURN_IF_ERROR(ParseAlgorithm(*a, "searcher", &s.searcher));
  if (const json* a = f.Get("scheduler")) {
    // The algorithm and its options are checked by MakeScheduler (tuner/schedulers).
    AlgorithmSpec sched;
    AT_RETURN_IF_ERROR(ParseAlgorithm(*a, "scheduler", &sched));
    if (sched.algorithm != "none" || !sched.options.empty() || !sched.lists.empty() || !sched.mutations.empty() ||
        !sched.schedule.empty())
      s.scheduler = std::move(sched);
  }
  // A replayed schedule's params take the space's types (JSON writes 2.0 as 2).
  if (s.scheduler)
    for (auto& entry : s.scheduler->schedule) entry.params = detail::CoerceToSpace(s.space, std::move(entry.params));
  if (const json* t = f.Get("trial")) {
    TrialSpec trial;
    AT_RETURN_IF_ERROR(ParseTrial(*t, base_dir.empty() ? fs::current_path() : fs::path(base_dir),
                                  options.check_programs, &trial));
    s.trial = std::move(trial);
  }
  if (const json* b = f.Get("budget")) {
    AT_RETURN_IF_ERROR(ParseBudget(*b, &s.budget));
    if (s.trial && b->contains("ask_lease_s"))
      return Status::InvalidArgument("applies only to ask/tell studies (specs without a trial section)",
                                     "budget.ask_lease_s");
  }
  std::int64_t seed = 0;
  AT_RETURN_IF_ERROR(f.Int("seed", &seed, false, 0));
  s.seed = static_cast<std::uint64_t>(seed);
  if (const json* w = f.Get("warm_start")) AT_RETURN_IF_ERROR(ParseWarmStart(*w, s.space, s.objective, &s));
  if (const json* e = f.Get("enqueue")) {
    if (!e->is_array()) return Status::InvalidArgument("must be an array of params objects", "enqueue");
    for (std::size_t i = 0; i < e->size(); ++i) {
      const std::string path = "enqueue[" + std::to_string(i) + "]";
      AT_ASSIGN_OR_RETURN(Params p, detail::ParseParamsObject((*e)[i], path));
      p = detail::CoerceToSpace(s.space, std::move(p));
      Status valid = s.space.Validate(p);
      if (!valid.ok()) return Status::InvalidArgument(valid.ToString(), path);
      s.enqueue.push_back(std::move(p));
    }
  }
  AT_RETURN_IF_ERROR(f.Unknown());
  out.canonical_json = CanonicalSpecJson(s);
  return out;
}

std::string ParamsToJson(const Params& p) {
  json j = json::object();
  for (const auto& [k, v] : p) j[k] = detail::ParamToJson(v);
  // Invalid UTF-8 in a string param is replaced rather than thrown on.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StatusOr<Params> ParamsFromJson(const std::string& text) {
  AT_RETURN_IF_ERROR(detail::CheckJsonText(text, detail::kMaxJsonDepth, "params"));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("params are not valid JSON", "params");
  return detail::ParseParamsObject(j, "params");
}

std::string MetricsToJson(const Metrics& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StatusOr<Metrics> MetricsFromJson(const std::string& text) {
  AT_RETURN_IF_ERROR(detail::CheckJsonText(text, detail::kMaxJsonDepth, "metrics"));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("metrics are not a JSON object", "metrics");
  Metrics m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it->is_number()) return Status::InvalidArgument("must be a number", "metrics." + it.key());
    m[it.key()] = it->get<double>();
  }
  return m;
}

}  // namespace autotune
