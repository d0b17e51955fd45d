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
  run_cmd->add_option("--checkpoint-dir", run.checkpoint_dir,
                      "Where segment checkpoints and logs go (default: autotune-checkpoints beside the store)");
  run_cmd->add_option("--top", run.top, "Rows in the final table")->capture_default_str()->check(CLI::PositiveNumber);
  run_cmd->add_flag("--quiet,-q", run.quiet, "No progress line");
  run_cmd->callback([&] { code = RunCommand(run); });

  QueryArgs q;
  auto add_query = [&](const std::string& name, const std::string& help, bool needs_study) {
    auto* c = app.add_subcommand(name, help);
    c->add_option("--db", q.db_path, "SQLite store file")->capture_default_str();
    if (needs_study) c->add_option("--study,study", q.study, "Study name")->required();
    c->add_flag("--json", q.json, "Machine-readable JSON output");
    c->add_option("--server", [](const CLI::results_t&) {
      throw CLI::ValidationError("--server", "this build has no REST server yet; use --db PATH");
      return true;
    }, "Coordinator URL (not available in this build)");
    return c;
  };
  add_query("ls", "List the studies of a store", false)->callback([&] { code = LsCommand(q); });
  add_query("show", "Show a study: state, counts, best trial, spec", true)->callback([&] { code = ShowCommand(q); });
  auto* trials_cmd = add_query("trials", "List a study's trials, best first", true);
  trials_cmd->add_option("--limit", q.limit, "At most this many rows (0: all)");
  trials_cmd->add_option("--state", q.state, "Only trials in this state (pending, running, paused, completed, pruned, failed)");
  trials_cmd->add_flag_callback("--failed", [&] { q.state = "failed"; }, "Only failed trials, with why they failed");
  trials_cmd->callback([&] { code = TrialsCommand(q); });
  auto* trial_cmd = add_query("trial", "Show one trial: params, lineage, segments, errors, the end of its output", false);
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }
  return code;
}
