#include "trainer/checkpoint/manifest.h"

#include <exception>
#include <stdexcept>
#include <string>

namespace autotune::trainer {
namespace {

using nlohmann::json;

json BackboneToJson(const BackboneOptions& o) {
  return json{{"kind", BackboneKindName(o.kind)}, {"embedding_size", o.embedding_size},
              {"in_channels", o.in_channels},     {"image_size", o.image_size},
              {"input_dim", o.input_dim},         {"width", o.width}};
}

// Field `key` of `j` as T; json's own exception names the type problem.
template <typename T>
T Field(const json& j, const char* key) {
  if (!j.contains(key)) throw std::runtime_error(std::string("missing field '") + key + "'");
  try {
    return j.at(key).get<T>();
  } catch (const std::exception&) {
    throw std::runtime_error(std::string("field '") + key + "' has the wrong type");
  }
}

}  // namespace

json ManifestToJson(const CheckpointManifest& m) {
  return json{{"format_version", m.format_version},
              {"num_classes", m.num_classes},
              {"embedding_size", m.embedding_size},
              {"world_size", m.world_size},
              {"step", m.step},
              {"backbone", BackboneToJson(m.backbone)},
              {"shard_optimizer", m.shard_optimizer},
              {"has_backbone_optimizer", m.has_backbone_optimizer},
              {"params", m.params},
              {"data_position", m.data_position},
              {"rng_state", m.rng_state}};
}

StatusOr<CheckpointManifest> ManifestFromJson(const std::string& text) {
  CheckpointManifest m;
  try {
    const json j = json::parse(text);
    if (!j.is_object()) return Status::InvalidArgument("not a JSON object");
    m.format_version = Field<int>(j, "format_version");
    if (m.format_version != kCheckpointFormatVersion) {
      return Status::InvalidArgument("unsupported format version " + std::to_string(m.format_version) +
                                     " (this build reads " + std::to_string(kCheckpointFormatVersion) + ")");
    }
    m.num_classes = Field<int64_t>(j, "num_classes");
    m.embedding_size = Field<int64_t>(j, "embedding_size");
    m.world_size = Field<int>(j, "world_size");
    m.step = Field<int64_t>(j, "step");
    const json& b = j.at("backbone");
    StatusOr<BackboneKind> kind = ParseBackboneKind(Field<std::string>(b, "kind"));
    if (!kind.ok()) return kind.status();
    m.backbone.kind = *kind;
    m.backbone.embedding_size = Field<int64_t>(b, "embedding_size");
    m.backbone.in_channels = Field<int64_t>(b, "in_channels");
    m.backbone.image_size = Field<int64_t>(b, "image_size");
    m.backbone.input_dim = Field<int64_t>(b, "input_dim");
    m.backbone.width = Field<int64_t>(b, "width");
    m.shard_optimizer = Field<std::string>(j, "shard_optimizer");
    m.has_backbone_optimizer = Field<bool>(j, "has_backbone_optimizer");
    m.params = j.value("params", json::object());
    m.data_position = j.value("data_position", json::object());
    m.rng_state = j.value("rng_state", json::object());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(e.what());
  }
  if (m.num_classes < 1 || m.embedding_size < 1 || m.world_size < 1 || m.step < 0 ||
      m.backbone.embedding_size != m.embedding_size) {
    return Status::InvalidArgument("inconsistent sizes (classes, embedding, world, step)");
  }
  return m;
}

}  // namespace autotune::trainer
