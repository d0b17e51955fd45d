// The `autotune` subcommands. Each returns the process exit code:
// 0 done, 1 the study (or the command's work) failed, 2 bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace autotune {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;

struct RunArgs {
  std::string spec_path;
  std::string db_path = "autotune.db";
  std::string checkpoint_dir;  // default: <db folder>/autotune-checkpoints
  int top = 10;                // rows of the final table
  bool quiet = false;          // no progress line
  int dashboard_port = 8080;   // 0: any free port; a busy default falls back to a free one
  bool dashboard_port_given = false;
  bool no_dashboard = false;
};
int RunCommand(const RunArgs& args);

// Where the query commands read: a store file (--db) or a server (--server,
// with a token from --token or AUTOTUNE_TOKEN).
struct QueryArgs {
  std::string db_path = "autotune.db";
  std::string server;
  std::string token;
  std::string study;
  bool json = false;
  std::string format = "csv";  // export: csv or json
  std::string output;          // export: file ("" = stdout)
  int limit = 0;               // trials: rows (0 = all)
  std::string state;           // trials: only trials in this state ("" = all)
  std::int64_t trial_id = 0;   // trial: which one
  std::int64_t schedule_of = 0;  // export: print this trial's learned schedule instead of the trials
};
int LsCommand(const QueryArgs& args);
int ShowCommand(const QueryArgs& args);
int TrialsCommand(const QueryArgs& args);
int BestCommand(const QueryArgs& args);
int ExportCommand(const QueryArgs& args);
int TrialCommand(const QueryArgs& args);

// `autotune serve`: the coordinator and REST API as a service.
struct ServeArgs {
  std::string db_path = "autotune.db";
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token_file;      // required for a non-loopback host
  int slots = 0;               // trial programs at once (0: one per CPU core)
  std::string checkpoint_dir;  // default: <db folder>/<db name>-checkpoints
  std::string static_dir;      // default: web/static found beside the binary
  std::size_t body_limit = 1u << 20;
  int max_connections = 256;
};
int ServeCommand(const ServeArgs& args);

// The commands that need a server: submit, stop, ask, tell.
struct ClientArgs {
  std::string server;
  std::string token;
  bool json = false;
  std::string spec_path;             // submit
  std::string study;                 // stop, ask
  std::int64_t trial_id = 0;         // tell
  std::optional<double> value;       // tell --value
  std::optional<std::int64_t> step;  // tell --step
  std::vector<std::string> metrics;  // tell --metric NAME=VALUE
  bool failed = false;               // tell --failed
  std::string error;                 // tell --error
};
int SubmitCommand(const ClientArgs& args);
int StopCommand(const ClientArgs& args);
int AskCommand(const ClientArgs& args);
int TellCommand(const ClientArgs& args);

}  // namespace autotune
