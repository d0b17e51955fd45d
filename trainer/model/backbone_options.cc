#include "trainer/model/backbone_options.h"

#include <string>

namespace autotune::trainer {

std::string BackboneKindName(BackboneKind kind) {
  switch (kind) {
    case BackboneKind::kCnn:
      return "cnn";
    case BackboneKind::kResNet:
      return "resnet";
    case BackboneKind::kMlp:
      return "mlp";
  }
  return "unknown";
}

StatusOr<BackboneKind> ParseBackboneKind(std::string_view name) {
  for (BackboneKind kind : {BackboneKind::kCnn, BackboneKind::kResNet, BackboneKind::kMlp}) {
    if (name == BackboneKindName(kind)) return kind;
  }
  return Status::InvalidArgument("unknown backbone '" + std::string(name) + "' (expected cnn, resnet or mlp)",
                                 "backbone");
}

Status ValidateBackboneOptions(const BackboneOptions& o) {
  if (o.embedding_size < 2 || o.embedding_size > 65536) {
    return Status::InvalidArgument("embedding size must be in [2, 65536]", "embedding_size");
  }
  if (o.width < 1 || o.width > 4096) {
    return Status::InvalidArgument("backbone width must be in [1, 4096]", "width");
  }
  switch (o.kind) {
    case BackboneKind::kCnn:
      if (o.image_size != 28) {
        return Status::InvalidArgument("the cnn backbone takes 28x28 images", "image_size");
      }
      break;
    case BackboneKind::kResNet:
      if (o.image_size < 8) {
        return Status::InvalidArgument("the resnet backbone needs images of at least 8x8", "image_size");
      }
      break;
    case BackboneKind::kMlp:
      if (o.input_dim < 1) {
        return Status::InvalidArgument("the mlp backbone needs input_dim >= 1", "input_dim");
      }
      return Status::Ok();
  }
  if (o.in_channels < 1 || o.in_channels > 64) {
    return Status::InvalidArgument("image channels must be in [1, 64]", "in_channels");
  }
  return Status::Ok();
}

std::string DescribeBackbone(const BackboneOptions& o) {
  std::string input = o.kind == BackboneKind::kMlp
                          ? std::to_string(o.input_dim) + " inputs"
                          : std::to_string(o.in_channels) + "x" + std::to_string(o.image_size) + "x" +
                                std::to_string(o.image_size);
  return BackboneKindName(o.kind) + "(embedding " + std::to_string(o.embedding_size) + ", " + input +
         ", width " + std::to_string(o.width) + ")";
}

}  // namespace autotune::trainer
