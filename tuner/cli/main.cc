// `autotune`: parses the command line and calls the subcommands.
#include <CLI/CLI.hpp>
#include <iostream>

#include "tuner/cli/commands.h"

int main(int argc, char** argv) {
  using namespace autotune;
  CLI::App app{"autotune: hyperparameter tuning with population-based training"};
  app.require_subcommand(1);
  int code = kExitOk;

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run (or resume) a study from a spec file, embedded");
  run_cmd->add_option("spec", run.spec_path, "Study spec (JSON)")->required();
  run_cmd->add_option("--db", run.db_path, "SQLite store file")->capture_default_str();
  run_cmd->add_option(
      "--checkpoint-dir", run.checkpoint_dir,
      "Where segment checkpoints and logs go (default: autotune-checkpoints beside the store)");
  run_cmd->add_option("--top", run.top, "Rows in the final table")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  run_cmd->add_flag("--quiet,-q", run.quiet, "No progress line");
  auto* dashboard_port = run_cmd->add_option(
      "--dashboard-port", run.dashboard_port,
      "Port of the dashboard on 127.0.0.1 while the study runs (0: any free port; the default falls back "
      "to a free port when taken)");
  dashboard_port->capture_default_str();
  run_cmd->add_flag("--no-dashboard", run.no_dashboard, "Serve no dashboard")->excludes(dashboard_port);
  run_cmd->callback([&] {
    run.dashboard_port_given = dashboard_port->count() > 0;
    code = RunCommand(run);
  });

  QueryArgs q;
  auto add_query = [&](const std::string& name, const std::string& help, bool needs_study) {
    auto* c = app.add_subcommand(name, help);
    auto* db = c->add_option("--db", q.db_path, "SQLite store file")->capture_default_str();
    auto* server =
        c->add_option("--server", q.server, "Server URL (http://HOST:PORT) instead of a store file");
    db->excludes(server);
    c->add_option("--token", q.token, "Bearer token for --server (default: $AUTOTUNE_TOKEN)");
    if (needs_study) c->add_option("--study,study", q.study, "Study name")->required();
    c->add_flag("--json", q.json, "Machine-readable JSON output");
    return c;
  };
  add_query("ls", "List the studies of a store", false)->callback([&] { code = LsCommand(q); });
  add_query("show", "Show a study: state, counts, best trial, spec", true)->callback([&] {
    code = ShowCommand(q);
  });
  auto* trials_cmd = add_query("trials", "List a study's trials, best first", true);
  trials_cmd->add_option("--limit", q.limit, "At most this many rows (0: all)");
  trials_cmd->add_option("--state", q.state,
                         "Only trials in this state (pending, running, paused, completed, pruned, failed)");
  trials_cmd->add_flag_callback(
      "--failed", [&] { q.state = "failed"; }, "Only failed trials, with why they failed");
  trials_cmd->callback([&] { code = TrialsCommand(q); });
  auto* trial_cmd =
      add_query("trial", "Show one trial: params, lineage, segments, errors, the end of its output", false);
  trial_cmd->add_option("id", q.trial_id, "Trial id (as `trials` shows it)")->required();
  trial_cmd->callback([&] { code = TrialCommand(q); });
  add_query("best", "Print a study's best trial", true)->callback([&] { code = BestCommand(q); });
  auto* export_cmd = add_query("export", "Export a study's trials as CSV or JSON", true);
  export_cmd->add_option("--format", q.format, "csv or json")->capture_default_str();
  export_cmd->add_option("--output,-o", q.output, "Output file (default: stdout)");
  export_cmd->add_option("--schedule", q.schedule_of,
                         "Print this trial's learned hyperparameter schedule along its PBT lineage (JSON, "
                         "replayable with scheduler replay)");
  export_cmd->callback([&] { code = ExportCommand(q); });

  ServeArgs serve;
  auto* serve_cmd =
      app.add_subcommand("serve", "Run the study service with its REST API until SIGINT/SIGTERM");
  serve_cmd->add_option("--db", serve.db_path, "SQLite store file")->capture_default_str();
  serve_cmd->add_option("--host", serve.host, "Address to listen on")->capture_default_str();
  serve_cmd->add_option("--port", serve.port, "Port (0: any free port)")->capture_default_str();
  serve_cmd->add_option("--token-file", serve.token_file,
                        "File holding the bearer token clients must send (required off loopback)");
  serve_cmd->add_option("--slots", serve.slots, "Trial programs at once (default: one per CPU core)")
      ->check(CLI::NonNegativeNumber);
  serve_cmd->add_option(
      "--checkpoint-dir", serve.checkpoint_dir,
      "Where segment checkpoints and logs go (default: <store>-checkpoints beside the store)");
  serve_cmd->add_option("--static-dir", serve.static_dir,
                        "The dashboard's files (default: web/static of this build)");
  serve_cmd->add_option("--body-limit", serve.body_limit, "Largest request body in bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve_cmd->add_option("--max-connections", serve.max_connections, "Connections at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve_cmd->callback([&] { code = ServeCommand(serve); });

  ClientArgs c;
  auto add_client = [&](const std::string& name, const std::string& help) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->add_option("--server", c.server, "Server URL (http://HOST:PORT)")->required();
    cmd->add_option("--token", c.token, "Bearer token (default: $AUTOTUNE_TOKEN)");
    cmd->add_flag("--json", c.json, "Machine-readable JSON output");
    return cmd;
  };
  auto* submit_cmd = add_client("submit", "Submit a study spec to a server, which runs it (or resumes it)");
  submit_cmd->add_option("spec", c.spec_path, "Study spec (JSON)")->required();
  submit_cmd->callback([&] { code = SubmitCommand(c); });
  auto* stop_cmd = add_client("stop", "Stop a study on a server (resumable: submit it again)");
  stop_cmd->add_option("--study,study", c.study, "Study name")->required();
  stop_cmd->callback([&] { code = StopCommand(c); });
  auto* ask_cmd = add_client("ask", "Ask a server for a trial of an ask/tell study");
  ask_cmd->add_option("--study,study", c.study, "Study name")->required();
  ask_cmd->callback([&] { code = AskCommand(c); });
  auto* tell_cmd =
      add_client("tell", "Tell a server a trial's value, an intermediate report, or its failure");
  tell_cmd->add_option("trial", c.trial_id, "Trial id (as `ask` printed it)")->required();
  tell_cmd->add_option("--value", c.value, "The trial's objective value: completes it");
  tell_cmd->add_option("--step", c.step, "The step of a report (or of the value)");
  tell_cmd->add_option("--metric", c.metrics, "NAME=VALUE of a report at --step (repeatable)");
  tell_cmd->add_flag("--failed", c.failed, "The trial failed");
  tell_cmd->add_option("--error", c.error, "Why it failed (with --failed)");
  tell_cmd->callback([&] { code = TellCommand(c); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  } catch (const std::exception& e) {  // e.g. a server's answer of an unexpected shape
    std::cerr << "autotune: unexpected error: " << e.what() << "\n";
    return kExitFailed;
  }
  return code;
}
