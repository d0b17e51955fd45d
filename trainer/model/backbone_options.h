// What a backbone is: its kind and sizes. LibTorch-free so the checkpoint
// manifest and the command line can use it cheaply. Two backbones with equal
// options have identical parameter shapes (checkpoint compatibility).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tuner/core/status.h"

namespace autotune::trainer {

enum class BackboneKind { kCnn, kResNet, kMlp };

// "cnn", "resnet", "mlp".
std::string BackboneKindName(BackboneKind kind);
StatusOr<BackboneKind> ParseBackboneKind(std::string_view name);

struct BackboneOptions {
  BackboneKind kind = BackboneKind::kCnn;
  int64_t embedding_size = 128;
  int64_t in_channels = 1;  // images
  int64_t image_size = 28;  // images: height == width
  int64_t input_dim = 0;    // kMlp: features per sample
  int64_t width = 32;       // channels of the first stage / hidden units / 8 for kMlp
  bool operator==(const BackboneOptions&) const = default;
};

// kInvalidArgument naming the field when a value is out of range.
Status ValidateBackboneOptions(const BackboneOptions& options);

// "cnn(embedding 128, 1x28x28, width 32)": for error messages.
std::string DescribeBackbone(const BackboneOptions& options);

}  // namespace autotune::trainer
