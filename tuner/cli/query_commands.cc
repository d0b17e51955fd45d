// ls, show, trials, best, export: read-only views of a store file.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "db/store.h"
#include "tuner/cli/commands.h"
#include "tuner/cli/render.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

struct Opened {
  std::unique_ptr<Store> store;
  StudyRecord study;
  Objective objective;
};

int Fail(int code, const std::string& msg) {
  std::cerr << "autotune: " << msg << "\n";
  return code;
}

StatusOr<std::unique_ptr<Store>> OpenExisting(const std::string& path) {
  std::ifstream probe(path);
  if (!probe) return Status::NotFound("no store at '" + path + "' (give --db PATH)");
  return OpenSqliteStore(path);
}

// The objective is read back from the stored spec.
Objective ObjectiveOf(const StudyRecord& s) {
  Objective o;
  auto j = nlohmann::json::parse(s.spec_json, nullptr, false);
  if (j.is_object() && j.contains("objective") && j["objective"].is_object()) {
    o.metric = j["objective"].value("metric", o.metric);
    o.mode = j["objective"].value("mode", "min") == "max" ? Mode::kMax : Mode::kMin;
  }
  return o;
}

StatusOr<Opened> OpenStudy(const QueryArgs& args) {
  if (args.study.empty()) return Status::InvalidArgument("--study NAME is required");
  Opened o;
  AT_ASSIGN_OR_RETURN(o.store, OpenExisting(args.db_path));
  AT_ASSIGN_OR_RETURN(auto found, o.store->FindStudy(args.study));
  if (!found) return Status::NotFound("no study named '" + args.study + "' in " + args.db_path);
  o.study = *found;
  o.objective = ObjectiveOf(o.study);
  return o;
}

int ExitFor(const Status& s) {
  return s.code() == Status::Code::kInvalidArgument || s.code() == Status::Code::kNotFound ? kExitBadInput
                                                                                           : kExitFailed;
}

nlohmann::json Counts(const std::vector<TrialRecord>& trials, const Objective& objective,
                      const TrialRecord** best) {
  std::map<std::string, int> counts;
  *best = nullptr;
  for (const auto& t : trials) {
    ++counts[ToString(t.state)];
    if (t.state == TrialState::kCompleted && t.value && (!*best || objective.Better(*t.value, *(*best)->value)))
      *best = &t;
  }
  return counts;
}

}  // namespace

int LsCommand(const QueryArgs& args) {
  auto store = OpenExisting(args.db_path);
  if (!store.ok()) return Fail(ExitFor(store.status()), store.status().ToString());
  auto studies = (*store)->ListStudies();
  if (!studies.ok()) return Fail(kExitFailed, studies.status().ToString());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : *studies) {
    auto trials = (*store)->ListTrials(s.id);
    if (!trials.ok()) return Fail(kExitFailed, trials.status().ToString());
    const TrialRecord* best = nullptr;
    Objective objective = ObjectiveOf(s);
    out.push_back({{"id", s.id},
                   {"name", s.name},
                   {"state", ToString(s.state)},
                   {"trials", trials->size()},
                   {"counts", Counts(*trials, objective, &best)},
                   {"metric", objective.metric},
                   {"best_value", best ? nlohmann::json(*best->value) : nlohmann::json(nullptr)},
                   {"best_trial_id", best ? nlohmann::json(best->id) : nlohmann::json(nullptr)}});
  }
  if (args.json) {
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-24s %-10s %-8s %-10s %s\n", "study", "state", "trials", "completed", "best");
  for (const auto& s : out) {
    std::string best = s["best_value"].is_null() ? "-" : FormatValue(s["best_value"].get<double>());
    std::printf("%-24s %-10s %-8zu %-10d %s\n", s["name"].get<std::string>().c_str(),
                s["state"].get<std::string>().c_str(), s["trials"].get<std::size_t>(),
                s["counts"].value("completed", 0), (s["metric"].get<std::string>() + "=" + best).c_str());
  }
  return kExitOk;
}

int ShowCommand(const QueryArgs& args) {
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(ExitFor(o.status()), o.status().ToString());
  auto trials = o->store->ListTrials(o->study.id);
  if (!trials.ok()) return Fail(kExitFailed, trials.status().ToString());
  const TrialRecord* best = nullptr;
  nlohmann::json counts = Counts(*trials, o->objective, &best);
  if (args.json) {
    nlohmann::json j = {{"id", o->study.id},
                        {"name", o->study.name},
                        {"state", ToString(o->study.state)},
                        {"spec", nlohmann::json::parse(o->study.spec_json, nullptr, false)},
                        {"counts", counts},
                        {"best", best ? nlohmann::json::parse(BestJson(*best)) : nlohmann::json(nullptr)}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "study:  " << o->study.name << " (id " << o->study.id << ")\n"
            << "state:  " << ToString(o->study.state) << "\n"
            << "trials: " << trials->size() << " " << counts.dump() << "\n"
            << "objective: " << (o->objective.mode == Mode::kMax ? "maximise " : "minimise ")
            << o->objective.metric << "\n";
  if (best) {
    std::cout << "best:   trial " << best->id << ", " << o->objective.metric << "=" << FormatValue(best->value)
              << ", " << ToString(best->params) << "\n";
  }
  std::cout << "spec:   " << o->study.spec_json << "\n";
  return kExitOk;
}

int TrialsCommand(const QueryArgs& args) {
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(ExitFor(o.status()), o.status().ToString());
  auto trials = o->store->ListTrials(o->study.id);
  if (!trials.ok()) return Fail(kExitFailed, trials.status().ToString());
  if (args.json) {
    std::cout << TrialsJson(*trials) << "\n";
    return kExitOk;
  }
  std::cout << TrialTable(RankTrials(*trials, o->objective, args.limit), o->objective.metric);
  return kExitOk;
}

int BestCommand(const QueryArgs& args) {
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(ExitFor(o.status()), o.status().ToString());
  auto trials = o->store->ListTrials(o->study.id);
  if (!trials.ok()) return Fail(kExitFailed, trials.status().ToString());
  auto ranked = RankTrials(*trials, o->objective, 1);
  if (ranked.empty() || ranked[0].state != TrialState::kCompleted || !ranked[0].value)
    return Fail(kExitFailed, "study '" + args.study + "' has no completed trial yet");
  if (args.json) {
    std::cout << BestJson(ranked[0]) << "\n";
  } else {
    std::cout << "trial " << ranked[0].id << ": " << o->objective.metric << "=" << FormatValue(ranked[0].value)
              << " at step " << ranked[0].step << "\n"
              << ToString(ranked[0].params) << "\n";
  }
  return kExitOk;
}

int ExportCommand(const QueryArgs& args) {
  if (args.format != "csv" && args.format != "json")
    return Fail(kExitBadInput, "--format must be csv or json");
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(ExitFor(o.status()), o.status().ToString());
  auto trials = o->store->ListTrials(o->study.id);
  if (!trials.ok()) return Fail(kExitFailed, trials.status().ToString());
  std::string body = args.format == "csv" ? TrialsCsv(*trials) : TrialsJson(*trials) + "\n";
  if (args.output.empty()) {
    std::cout << body;
    return kExitOk;
  }
  // Write beside the target and rename, so a failed export leaves nothing half-written.
  std::string tmp = args.output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << body)) return Fail(kExitFailed, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), args.output.c_str()) != 0) return Fail(kExitFailed, "cannot write " + args.output);
  std::cerr << "exported " << trials->size() << " trials to " << args.output << "\n";
  return kExitOk;
}

}  // namespace autotune
