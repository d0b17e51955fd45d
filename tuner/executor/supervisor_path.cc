// FindSupervisor (supervisor.h).
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "tuner/executor/supervisor.h"

#ifndef AUTOTUNE_SUPERVISOR_BUILD_PATH
#define AUTOTUNE_SUPERVISOR_BUILD_PATH ""
#endif

namespace autotune::supervisor {
namespace {

namespace fs = std::filesystem;

bool IsExecutable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

StatusOr<std::string> FindSupervisor(const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    if (IsExecutable(explicit_path)) return explicit_path;
    return Status::InvalidArgument("the trial supervisor '" + explicit_path + "' is not an executable file");
  }
  std::string looked;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = self.parent_path() / kProgramName;
    if (IsExecutable(beside)) return beside.string();
    looked = beside.string();
  }
  const fs::path built = AUTOTUNE_SUPERVISOR_BUILD_PATH;
  if (!built.empty()) {
    if (IsExecutable(built)) return built.string();
    looked += (looked.empty() ? "" : " or ") + built.string();
  }
  return Status::FailedPrecondition(std::string("cannot find the trial supervisor ") + kProgramName +
                                    " (looked for " + looked + "); it is built and installed with autotune");
}

}  // namespace autotune::supervisor
