// ls, show, trials, trial, best, export: read-only views of a study, from a
// store file (opened read-only, so these work on a store that sits on a
// read-only mount or that another process is writing) or from a server; the
// output is the same either way (tuner/cli/source.h).
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tuner/cli/commands.h"
#include "tuner/cli/render.h"
#include "tuner/cli/source.h"

namespace autotune {
namespace {

int Fail(int code, const std::string& msg) {
  std::cerr << "autotune: " << msg << "\n";
  return code;
}

int ExitFor(const Status& s) {
  return s.code() == Status::Code::kInvalidArgument || s.code() == Status::Code::kNotFound ? kExitBadInput
                                                                                           : kExitFailed;
}

int Fail(const Status& s) { return Fail(ExitFor(s), s.ToString()); }

struct Opened {
  std::unique_ptr<QuerySource> source;
  web::StudyView view;
};

StatusOr<Opened> OpenStudy(const QueryArgs& args) {
  if (args.study.empty()) return Status::InvalidArgument("--study NAME is required");
  Opened o;
  AT_ASSIGN_OR_RETURN(o.source, OpenQuerySource(args));
  AT_ASSIGN_OR_RETURN(o.view, o.source->Study(args.study));
  return o;
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
  auto source = OpenQuerySource(args);
  if (!source.ok()) return Fail(source.status());
  auto studies = (*source)->Studies();
  if (!studies.ok()) return Fail(studies.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : *studies) out.push_back(web::StudySummaryJson(v));
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
  if (!o.ok()) return Fail(o.status());
  const web::StudyView& v = o->view;
  if (args.json) {
    std::cout << web::StudyDetailJson(v).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "study:     " << v.study.name << " (id " << v.study.id << ")\n"
            << "state:     " << ToString(v.study.state) << "\n"
            << "trials:    " << v.total() << " " << web::CountsJson(v.counts).dump() << "\n"
            << "objective: " << (v.objective.mode == Mode::kMax ? "maximise " : "minimise ")
            << v.objective.metric << "\n"
            << "searcher:  " << v.searcher;
  if (v.attributes.count("searcher")) std::cout << " (" << v.attributes.at("searcher") << ")";
  std::cout << "\nscheduler: " << v.scheduler << "\n";
  char disk[64];
  std::snprintf(disk, sizeof disk, "%.1f MiB", static_cast<double>(v.checkpoint_bytes) / (1 << 20));
  std::cout << "checkpoints: " << v.live_checkpoints << " kept, " << disk << " on disk\n";
  if (v.best) {
    std::cout << "best:      trial " << v.best->id << ", " << v.objective.metric << "="
              << FormatValue(v.best->value) << ", " << ToString(v.best->params) << "\n";
  }
  std::cout << "spec:      " << v.study.spec_json << "\n";
  return kExitOk;
}

int TrialsCommand(const QueryArgs& args) {
  std::optional<TrialState> filter;
  if (!args.state.empty()) {
    TrialState s;
    if (!ParseTrialState(args.state, &s))
      return Fail(kExitBadInput,
                  "--state must be one of pending, running, paused, completed, pruned, failed");
    filter = s;
  }
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(o.status());
  auto trials = o->source->Trials(o->view, filter);
  if (!trials.ok()) return Fail(trials.status());
  if (args.json) {
    std::cout << TrialsJson(*trials) << "\n";
    return kExitOk;
  }
  const bool show_errors = filter && (*filter == TrialState::kFailed || *filter == TrialState::kPruned);
  std::cout << TrialTable(RankTrials(*trials, o->view.objective, args.limit), o->view.objective.metric,
                          show_errors);
  return kExitOk;
}

int BestCommand(const QueryArgs& args) {
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(o.status());
  if (!o->view.best) return Fail(kExitFailed, "study '" + args.study + "' has no completed trial yet");
  const TrialRecord& t = *o->view.best;
  if (args.json) {
    std::cout << BestJson(t) << "\n";
  } else {
    std::cout << "trial " << t.id << ": " << o->view.objective.metric << "=" << FormatValue(t.value)
              << " at step " << t.step << "\n"
              << ToString(t.params) << "\n";
  }
  return kExitOk;
}

int ExportCommand(const QueryArgs& args) {
  if (args.format != "csv" && args.format != "json")
    return Fail(kExitBadInput, "--format must be csv or json");
  auto o = OpenStudy(args);
  if (!o.ok()) return Fail(o.status());
  if (args.schedule_of != 0) {
    auto trial = o->source->Trial(args.schedule_of);
    if (!trial.ok() || trial->study_id != o->view.study.id)
      return Fail(kExitBadInput, "no trial " + std::to_string(args.schedule_of) + " in study '" + args.study + "'");
    auto schedule = o->source->Schedule(args.schedule_of);
    if (!schedule.ok()) return Fail(schedule.status());
    return WriteOutput(args.output, schedule->dump(2) + "\n",
                       "the schedule of trial " + std::to_string(args.schedule_of));
  }
  auto trials = o->source->Trials(o->view, std::nullopt);
  if (!trials.ok()) return Fail(trials.status());
  std::string body = args.format == "csv" ? TrialsCsv(*trials) : TrialsJson(*trials) + "\n";
  return WriteOutput(args.output, body, std::to_string(trials->size()) + " trials");
}

int TrialCommand(const QueryArgs& args) {
  auto source = OpenQuerySource(args);
  if (!source.ok()) return Fail(source.status());
  auto trial = (*source)->Trial(args.trial_id);
  if (!trial.ok()) return Fail(trial.status());
  auto segments = (*source)->Segments(trial->id);
  auto study = (*source)->StudyById(trial->study_id);
  if (!study.ok() || !segments.ok())
    return Fail(kExitFailed, (study.ok() ? segments.status() : study.status()).ToString());
  if (args.json) {
    std::cout << TrialDetailJson(*trial, *segments) << "\n";
    return kExitOk;
  }
  std::cout << TrialDetailText(*trial, *segments, study->study.name, study->objective.metric);
  return kExitOk;
}

}  // namespace autotune
