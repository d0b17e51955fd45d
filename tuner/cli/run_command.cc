// `autotune run SPEC`: validates the spec, opens the store, creates or
// resumes the study, runs it with a live progress line, prints the top trials.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "db/store.h"
#include "tuner/cli/commands.h"
#include "tuner/cli/embedded_dashboard.h"
#include "tuner/cli/render.h"
#include "tuner/cli/repeater.h"
#include "tuner/cli/store_paths.h"
#include "tuner/coordinator/study_service.h"
#include "tuner/core/spec_json.h"
#include "tuner/executor/local_process.h"

namespace autotune {
namespace {

namespace fs = std::filesystem;

int BadInput(const std::string& msg) {
  std::cerr << "autotune: " << msg << "\n";
  return kExitBadInput;
}

// Prints the progress line: rewritten in place on a terminal, else one line
// every 10 seconds.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO)) {}
  void Update(const Progress& p, bool force = false) {
    if (quiet_) return;
    auto now = std::chrono::steady_clock::now();
    auto every = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000);
    if (!force && now - last_ < every) return;
    last_ = now;
    std::string line = ProgressLine(p);
    if (tty_) {
      std::cerr << "\r\033[K" << line << std::flush;
      open_line_ = true;
    } else {
      std::cerr << line << "\n";
    }
  }
  void Log(const std::string& msg) {
    if (quiet_) return;
    if (open_line_) std::cerr << "\r\033[K";
    open_line_ = false;
    std::cerr << msg << "\n";
  }
  void End() {
    if (open_line_) std::cerr << "\n";
    open_line_ = false;
  }

 private:
  bool quiet_, tty_, open_line_ = false;
  std::chrono::steady_clock::time_point last_{};
};

void PrintFailures(Store& store, const std::vector<TrialRecord>& trials) {
  int failed = 0;
  const TrialRecord* last = nullptr;
  for (const auto& t : trials)
    if (t.state == TrialState::kFailed) ++failed, last = &t;
  if (!last) return;
  std::cout << "\n"
            << failed << " trial(s) failed. Last failure, trial " << last->id << ": " << last->error << "\n";
  auto segments = store.ListSegments(last->id);
  if (segments.ok() && !segments->empty() && !segments->back().log_tail.empty()) {
    std::string tail = segments->back().log_tail;
    std::vector<std::string> lines;
    std::stringstream ss(tail);
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
    std::size_t from = lines.size() > 10 ? lines.size() - 10 : 0;
    std::cout << "Its output ended with:\n";
    for (std::size_t i = from; i < lines.size(); ++i) std::cout << "  | " << lines[i] << "\n";
  }
}

// The exit status and message for a study that could not be opened or run.
int RefuseStudy(const Status& s) {
  if (s.code() == Status::Code::kInvalidArgument) return BadInput("invalid spec: " + s.ToString());
  if (s.code() == Status::Code::kFailedPrecondition) return BadInput(s.message());
  std::cerr << "autotune: " << s.ToString() << "\n";
  return kExitFailed;
}

}  // namespace

int RunCommand(const RunArgs& args) {
  auto text = ReadSpecFile(args.spec_path);
  if (!text.ok()) return BadInput(text.status().ToString());
  fs::path spec_dir = fs::absolute(args.spec_path).parent_path();
  auto parsed = ParseStudySpec(*text, spec_dir.string());
  if (!parsed.ok()) return BadInput("invalid spec " + args.spec_path + ": " + parsed.status().ToString());
  const StudySpec& spec = parsed->spec;
  if (!spec.trial) return BadInput("invalid spec: trial: is required for `autotune run`");

  LocalProcessOptions exec_opts;
  exec_opts.max_parallel = spec.budget.max_parallel;
  if (spec.trial->gpus > 0) {
    exec_opts.gpu_ids = DetectGpus();
    exec_opts.gpus_per_trial = spec.trial->gpus;
  }
  // Everything that can be refused is refused before the store is created.
  Status valid = StudyService::Validate(spec, static_cast<int>(exec_opts.gpu_ids.size()));
  if (!valid.ok()) return RefuseStudy(valid);

  auto store_or = OpenSqliteStore(args.db_path);
  if (!store_or.ok())
    return BadInput("cannot open store " + args.db_path + ": " + store_or.status().ToString());
  Store& store = **store_or;
  ServiceOptions sopts;
  sopts.checkpoint_root = args.checkpoint_dir.empty() ? DefaultCheckpointRoot(args.db_path)
                                                      : fs::absolute(args.checkpoint_dir).string();

  boost::asio::io_context io;
  LocalProcessExecutor executor(io, exec_opts);
  StudyService service(io, store, executor, sopts);
  // Listening is settled before the study is created: a taken port leaves nothing behind.
  EmbeddedDashboard dashboard(io, store, service);
  if (!args.no_dashboard) {
    Status listening = dashboard.Start({args.dashboard_port, args.dashboard_port_given, ""});
    // A port asked for must be had; without one the study runs without a dashboard.
    if (!listening.ok() && args.dashboard_port_given) return BadInput(listening.message());
    if (!listening.ok()) std::cerr << "autotune: warning: no dashboard: " << listening.message() << "\n";
  }
  auto opened = service.Open(*parsed);
  if (!opened.ok()) return RefuseStudy(opened.status());
  const StudyRecord& study = opened->record;
  if (study.state == StudyState::kCompleted || study.state == StudyState::kFailed) {
    std::cout << "Study '" << spec.name << "' already finished (" << ToString(study.state) << ").\n";
    auto trials = store.ListTrials(study.id);
    if (trials.ok())
      std::cout << TrialTable(RankTrials(*trials, spec.objective, args.top), spec.objective.metric);
    return study.state == StudyState::kCompleted ? kExitOk : kExitFailed;
  }
  if (!opened->created) std::cerr << "Resuming study '" << spec.name << "' from " << args.db_path << "\n";

  ProgressPrinter printer(args.quiet);
  Progress last_progress;
  if (dashboard.has_started()) {
    std::cerr << "Dashboard: " << dashboard.url() << "/studies/" << study.id << " (while the study runs)"
              << (dashboard.has_pages() ? "" : "; no web/static folder found, only the REST API")
              << std::endl;
  }
  service.on_progress = [&](std::int64_t id, const Progress& p) {
    last_progress = p;
    printer.Update(p);
    dashboard.Notify(id);
  };
  service.on_log = [&](std::int64_t, const std::string& line) { printer.Log(line); };

  // SIGINT, SIGTERM and SIGHUP stop the study (resumable); a second one kills trials at once.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  int signals_seen = 0;
  // Set when the study has ended: a signal handler already queued behind the
  // end must not arm another wait, or io.run() never returns.
  bool ended = false;
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& e, int) {
      if (e || ended) return;
      if (++signals_seen == 1) {
        printer.Log("interrupted: stopping (press Ctrl-C again to kill trials at once)");
        Status s = service.Stop(study.id);
        if (!s.ok()) io.stop();
        wait_signal();
      } else {
        io.stop();
      }
    });
  };
  wait_signal();
  Repeater ticker(io, std::chrono::seconds(1), [&] {
    if (const Progress* p = service.ProgressOf(study.id)) printer.Update(*p);
  });
  ticker.Start();

  Status final_status;
  StudyState final_state = StudyState::kFailed;
  Status started = service.Run(study.id, [&](const Status& s, StudyState state) {
    final_status = s;
    final_state = state;
    ended = true;
    signals.cancel();
    ticker.Stop();
    dashboard.Notify(study.id);
    dashboard.Stop();
  });
  if (!started.ok()) return RefuseStudy(started);
  io.run();
  printer.Update(last_progress, true);
  printer.End();

  auto trials = store.ListTrials(study.id);
  if (trials.ok()) {
    std::cout << "\nStudy '" << spec.name << "': " << ToString(final_state) << ". Top trials:\n"
              << TrialTable(RankTrials(*trials, spec.objective, args.top), spec.objective.metric);
    PrintFailures(store, *trials);
  }
  if (signals_seen >= 2) {
    std::cerr << "autotune: killed; run the same command again to resume\n";
    return kExitFailed;
  }
  if (!final_status.ok()) {
    std::cerr << "autotune: study interrupted by an error: " << final_status.ToString()
              << "\nrun the same command again to resume\n";
    return final_status.code() == Status::Code::kInvalidArgument ? kExitBadInput : kExitFailed;
  }
  if (final_state == StudyState::kStopped) {
    std::cerr << "autotune: stopped; run the same command again to resume\n";
    return kExitFailed;
  }
  if (final_state != StudyState::kCompleted) {
    std::cerr << "autotune: no trial completed\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace autotune
