#include "tuner/core/status.h"

namespace autotune {

std::string Status::ToString() const {
  if (ok()) return "OK";
  if (field_.empty()) return message_;
  return field_ + ": " + message_;
}

}  // namespace autotune
