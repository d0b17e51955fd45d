// Rules both Store implementations apply the same way, in one place.
#pragma once

#include <string>

#include "tuner/core/status.h"

namespace autotune::db_detail {

// The error of AcquireStudy for a study someone else holds.
inline Status StudyOwnedElsewhere(const std::string& study, const std::string& holder) {
  return Status::FailedPrecondition("study '" + study + "' is being run by another process" +
                                    (holder.empty() ? std::string() : " (" + holder + ")") +
                                    "; stop it first, or wait until it ends");
}

// checkpoint_dir with every "{attempt}" replaced by the segment's attempt.
inline std::string SubstituteAttempt(std::string dir, int attempt) {
  static const std::string kToken = "{attempt}";
  for (std::size_t at = dir.find(kToken); at != std::string::npos; at = dir.find(kToken, at))
    dir.replace(at, kToken.size(), std::to_string(attempt));
  return dir;
}

}  // namespace autotune::db_detail
