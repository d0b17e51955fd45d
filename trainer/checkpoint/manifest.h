// The checkpoint manifest (manifest.json) and its JSON form. LibTorch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "trainer/model/backbone_options.h"
#include "tuner/core/status.h"

namespace autotune::trainer {

inline constexpr int kCheckpointFormatVersion = 1;
inline constexpr char kCompleteMarker[] = "COMPLETE";

struct CheckpointManifest {
  int format_version = kCheckpointFormatVersion;
  // Filled by SaveCheckpoint from the live objects (values passed in are ignored).
  int64_t num_classes = 0;
  int64_t embedding_size = 0;
  int world_size = 1;
  BackboneOptions backbone;
  std::string shard_optimizer;  // "sgd" or "adamw"
  bool has_backbone_optimizer = false;
  // Filled by the caller: the number of steps completed, and opaque state.
  int64_t step = 0;
  nlohmann::json params = nlohmann::json::object();
  nlohmann::json data_position = nlohmann::json::object();
  nlohmann::json rng_state = nlohmann::json::object();
};

nlohmann::json ManifestToJson(const CheckpointManifest& manifest);
// kInvalidArgument naming what is wrong: not JSON, a missing or mistyped
// field, an unknown format version, values out of range.
StatusOr<CheckpointManifest> ManifestFromJson(const std::string& text);

}  // namespace autotune::trainer
