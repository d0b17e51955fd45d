// ls, show, trials, trial, best, export: read-only views of a store file. The
// store is opened read-only, so these work on a store that sits on a
// read-only mount or that another process is writing.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "db/sqlite_store.h"
#include "tuner/cli/commands.h"
#include "tuner/cli/render.h"
#include "tuner/coordinator/checkpoints.h"
#include "tuner/coordinator/lineage.h"
#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

struct Opened {
  std::unique_ptr<Store> store;
  StudyRecord study;
  StudySpec spec;
};

int Fail(int code, const std::string& msg) {
  std::cerr << "autotune: " << msg << "\n";
  return code;
}

StatusOr<std::unique_ptr<Store>> OpenExisting(const std::string& path) {
  std::ifstream probe(path);
  if (!probe) return Status::NotFound("no store at '" + path + "' (give --db PATH)");
  StoreOptions options;
  options.read_only = true;
  return OpenSqliteStore(path, options);
}

// The study's spec as stored (its programs need not exist here).
StatusOr<StudySpec> SpecOf(const StudyRecord& s) {
  SpecParseOptions lenient;
  lenient.check_programs = false;
  auto parsed = ParseStudySpec(s.spec_json, "/", lenient);
  if (!parsed.ok())
    return Status::Internal("the stored spec of study '" + s.name + "' does not parse: " + parsed.status().ToString());
  return std::move(parsed)->spec;
}

StatusOr<Opened> OpenStudy(const QueryArgs& args) {
  if (args.study.empty()) return Status::InvalidArgument("--study NAME is required");
  Opened o;
  AT_ASSIGN_OR_RETURN(o.store, OpenExisting(args.db_path));
  AT_ASSIGN_OR_RETURN(auto found, o.store->FindStudy(args.study));
  if (!found) return Status::NotFound("no study named '" + args.study + "' in " + args.db_path);
  o.study = *found;
  AT_ASSIGN_OR_RETURN(o.spec, SpecOf(o.study));
  return o;
}

int ExitFor(const Status& s) {
  return s.code() == Status::Code::kInvalidArgument || s.code() == Status::Code::kNotFound ? kExitBadInput
                                                                                           : kExitFailed;
}

nlohmann::json CountsJson(const std::array<int, 6>& counts) {
  nlohmann::json j = nlohmann::json::object();
  for (int i = 0; i < 6; ++i)
    if (counts[i] > 0) j[ToString(static_cast<TrialState>(i))] = counts[i];
  return j;
}

int Total(const std::array<int, 6>& counts) {
  int n = 0;
  for (int c : counts) n += c;
  return n;
}

// Writes body to `output` atomically (beside it, then renamed), or to stdout.
int WriteOutput(const std::string& output, const std::string& body, const std::string& what) {
  if (output.empty()) {
    std::cout << body;
    return kExitOk;
  }
  const std::string tmp = output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << body)) return Fail(kExitFailed, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), output.c_str()) != 0) return Fail(kExitFailed, "cannot write " + output);
  std::cerr << "exported " << what << " to " << output << "\n";
  return kExitOk;
}

}  // namespace

int LsCommand(const QueryArgs& args) {
  auto store = OpenExisting(args.db_path);
  if (!store.ok()) return Fail(ExitFor(store.status()), store.status().ToString());
  auto studies = (*store)->ListStudies();
  if (!studies.ok()) return Fail(kExitFailed, studies.status().ToString());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : *studies) {
    auto counts = (*store)->CountTrials(s.id);
    if (!counts.ok()) return Fail(kExitFailed, counts.status().ToString());
    auto spec = SpecOf(s);
    const Objective objective = spec.ok() ? spec->objective : Objective{};
    auto best = (*store)->BestTrial(s.id, objective.mode);
    if (!best.ok()) return Fail(kExitFailed, best.status().ToString());
    out.push_back({{"id", s.id},
                   {"name", s.name},
                   {"state", ToString(s.state)},
                   {"trials", Total(*counts)},
                   {"counts", CountsJson(*counts)},
                   {"metric", objective.metric},
                   {"best_value", *best ? nlohmann::json(*(*best)->value) : nlohmann::json(nullptr)},
                   {"best_trial_id", *best ? nlohmann::json((*best)->id) : nlohmann::json(nullptr)}});
  }
  if (args.json) {
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-24s %-10s %-8s %-10s %s\n", "study", "state", "trials", "completed", "best");
  for (const auto& s : out) {
    std::string best = s["best_value"].is_null() ? "-" : FormatValue(s["best_value"].get<double>());
    std::printf("%-24s %-10s %-8d %-10d %s\n", s["name"].get<std::string>().c_str(),
                s["state"].get<std::string>().c_str(), s["trials"].get<int>(), s["counts"].value("completed", 0),
                (s["metric"].get<std::string>() + "=" + best).c_str());
  }
  return kExitOk;
}

int ShowCommand(const QueryArgs& args) {
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(ExitFor(o.status()), o.status().ToString());
  auto counts = o->store->CountTrials(o->study.id);
  auto best = o->store->BestTrial(o->study.id, o->spec.objective.mode);
  auto attributes = o->store->StudyAttributes(o->study.id);
  auto live = o->store->ListLiveCheckpoints(o->study.id);
  for (const Status& s : {counts.status(), best.status(), attributes.status(), live.status()})
    if (!s.ok()) return Fail(kExitFailed, s.ToString());
  std::int64_t checkpoint_bytes = 0;
  for (const auto& c : *live) checkpoint_bytes += CheckpointKeeper::DiskUse(c.path);
  const std::string scheduler = o->spec.scheduler ? o->spec.scheduler->algorithm : "none";
  if (args.json) {
    nlohmann::json j = {{"id", o->study.id},
                        {"name", o->study.name},
                        {"state", ToString(o->study.state)},
                        {"spec", nlohmann::json::parse(o->study.spec_json, nullptr, false)},
                        {"counts", CountsJson(*counts)},
                        {"attributes", *attributes},
                        {"checkpoints", {{"live", live->size()}, {"bytes", checkpoint_bytes}}},
                        {"best", *best ? nlohmann::json::parse(BestJson(**best)) : nlohmann::json(nullptr)}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "study:     " << o->study.name << " (id " << o->study.id << ")\n"
            << "state:     " << ToString(o->study.state) << "\n"
            << "trials:    " << Total(*counts) << " " << CountsJson(*counts).dump() << "\n"
            << "objective: " << (o->spec.objective.mode == Mode::kMax ? "maximise " : "minimise ")
            << o->spec.objective.metric << "\n"
            << "searcher:  " << o->spec.searcher.algorithm;
  if (attributes->count("searcher")) std::cout << " (" << attributes->at("searcher") << ")";
  std::cout << "\nscheduler: " << scheduler << "\n";
  char disk[64];
  std::snprintf(disk, sizeof disk, "%.1f MiB", static_cast<double>(checkpoint_bytes) / (1 << 20));
  std::cout << "checkpoints: " << live->size() << " kept, " << disk << " on disk\n";
  if (*best) {
    std::cout << "best:      trial " << (*best)->id << ", " << o->spec.objective.metric << "="
              << FormatValue((*best)->value) << ", " << ToString((*best)->params) << "\n";
  }
  std::cout << "spec:      " << o->study.spec_json << "\n";
  return kExitOk;
}

int TrialsCommand(const QueryArgs& args) {
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(ExitFor(o.status()), o.status().ToString());
  TrialState filter = TrialState::kPending;
  if (!args.state.empty() && !ParseTrialState(args.state, &filter))
    return Fail(kExitBadInput, "--state must be one of pending, running, paused, completed, pruned, failed");
  auto trials = o->store->ListTrials(o->study.id);
  if (!trials.ok()) return Fail(kExitFailed, trials.status().ToString());
  if (!args.state.empty()) {
    std::erase_if(*trials, [&](const TrialRecord& t) { return t.state != filter; });
  }
  if (args.json) {
    std::cout << TrialsJson(*trials) << "\n";
    return kExitOk;
  }
  const bool show_errors = !args.state.empty() && (filter == TrialState::kFailed || filter == TrialState::kPruned);
  std::cout << TrialTable(RankTrials(*trials, o->spec.objective, args.limit), o->spec.objective.metric, show_errors);
  return kExitOk;
}

int BestCommand(const QueryArgs& args) {
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(ExitFor(o.status()), o.status().ToString());
  auto best = o->store->BestTrial(o->study.id, o->spec.objective.mode);
  if (!best.ok()) return Fail(kExitFailed, best.status().ToString());
  if (!*best) return Fail(kExitFailed, "study '" + args.study + "' has no completed trial yet");
  const TrialRecord& t = **best;
  if (args.json) {
    std::cout << BestJson(t) << "\n";
  } else {
    std::cout << "trial " << t.id << ": " << o->spec.objective.metric << "=" << FormatValue(t.value) << " at step "
              << t.step << "\n"
              << ToString(t.params) << "\n";
  }
  return kExitOk;
}

int ExportCommand(const QueryArgs& args) {
  if (args.format != "csv" && args.format != "json")
    return Fail(kExitBadInput, "--format must be csv or json");
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(ExitFor(o.status()), o.status().ToString());
  if (args.schedule_of != 0) {
    auto trial = o->store->GetTrial(args.schedule_of);
    if (!trial.ok() || trial->study_id != o->study.id)
      return Fail(kExitBadInput, "no trial " + std::to_string(args.schedule_of) + " in study '" + args.study + "'");
    auto schedule = LearnedScheduleOf(*o->store, args.schedule_of);
    if (!schedule.ok()) return Fail(kExitFailed, schedule.status().ToString());
    return WriteOutput(args.output, ScheduleJson(*schedule, *trial, o->spec) + "\n",
                       "the schedule of trial " + std::to_string(args.schedule_of));
  }
  auto trials = o->store->ListTrials(o->study.id);
  if (!trials.ok()) return Fail(kExitFailed, trials.status().ToString());
  std::string body = args.format == "csv" ? TrialsCsv(*trials) : TrialsJson(*trials) + "\n";
  return WriteOutput(args.output, body, std::to_string(trials->size()) + " trials");
}

int TrialCommand(const QueryArgs& args) {
  auto store = OpenExisting(args.db_path);
  if (!store.ok()) return Fail(ExitFor(store.status()), store.status().ToString());
  auto trial = (*store)->GetTrial(args.trial_id);
  if (!trial.ok()) return Fail(ExitFor(trial.status()), trial.status().ToString());
  auto study = (*store)->GetStudy(trial->study_id);
  auto segments = (*store)->ListSegments(trial->id);
  if (!study.ok() || !segments.ok()) return Fail(kExitFailed, (study.ok() ? segments.status() : study.status()).ToString());
  auto spec = SpecOf(*study);
  const std::string metric = spec.ok() ? spec->objective.metric : "value";
  if (args.json) {
    std::cout << TrialDetailJson(*trial, *segments) << "\n";
    return kExitOk;
  }
  std::cout << TrialDetailText(*trial, *segments, study->name, metric);
  return kExitOk;
}

}  // namespace autotune
