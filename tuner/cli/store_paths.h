// Paths derived from a store file's path, shared by `run` and `serve`.
#pragma once

#include <string>

namespace autotune {

// <folder of the store>/<store name without extension>-checkpoints: for the
// default ./autotune.db that is ./autotune-checkpoints; stores side by side
// keep their checkpoints apart.
std::string DefaultCheckpointRoot(const std::string& db_path);

}  // namespace autotune
