// The `autotune` subcommands. Each returns the process exit code:
// 0 done, 1 the study (or the command's work) failed, 2 bad input.
#pragma once

#include <cstdint>
#include <string>

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
};
int RunCommand(const RunArgs& args);

struct QueryArgs {
  std::string db_path = "autotune.db";
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

}  // namespace autotune
