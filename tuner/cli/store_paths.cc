#include "tuner/cli/store_paths.h"

#include <filesystem>

namespace autotune {

std::string DefaultCheckpointRoot(const std::string& db_path) {
  const std::filesystem::path db = std::filesystem::absolute(db_path);
  return (db.parent_path() / (db.stem().string() + "-checkpoints")).string();
}

}  // namespace autotune
