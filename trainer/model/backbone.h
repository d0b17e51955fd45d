// Backbones: map a batch of inputs to L2-normalised embeddings [batch, E].
// Every rank holds a full replica (data parallel); the classification layer is
// sharded separately (sharded_classifier.h).
//
//   kCnn    small CNN for 28x28 images          input [B, C, 28, 28]
//   kResNet small ResNet for larger images      input [B, C, H, W], H, W >= 8
//   kMlp    MLP for vector data                 input [B, input_dim]
//
// In training mode batch norm needs at least 2 samples per rank and batch.
// Models hold no random state of their own: initialise under a caller-owned
// seed (torch::manual_seed in main or a test, never in the library).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>

#include "trainer/model/backbone_options.h"
#include "tuner/core/status.h"

namespace autotune::trainer {

// Common base: forward returns unit-norm rows (torch::nn::functional::normalize).
class BackboneImpl : public torch::nn::Module {
 public:
  explicit BackboneImpl(BackboneOptions options) : options_(options) {}
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  const BackboneOptions& options() const { return options_; }

 private:
  BackboneOptions options_;
};

// conv(3x3)-BN-ReLU blocks with two 2x2 poolings, then a linear embedding.
class SmallCnnImpl : public BackboneImpl {
 public:
  explicit SmallCnnImpl(const BackboneOptions& options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Sequential features_{nullptr};
  torch::nn::Linear embed_{nullptr};
  torch::nn::BatchNorm1d embed_bn_{nullptr};
};
TORCH_MODULE(SmallCnn);

// A ResNet-style stack: stem, three stages of two basic residual blocks
// (widths w, 2w, 4w; strides 1, 2, 2), global average pooling, linear embedding.
class SmallResNetImpl : public BackboneImpl {
 public:
  explicit SmallResNetImpl(const BackboneOptions& options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Sequential stem_{nullptr};
  torch::nn::Sequential stages_{nullptr};
  torch::nn::Linear embed_{nullptr};
  torch::nn::BatchNorm1d embed_bn_{nullptr};
};
TORCH_MODULE(SmallResNet);

// Linear-BN-ReLU x2 (hidden 8*width units) then a linear embedding.
class MlpImpl : public BackboneImpl {
 public:
  explicit MlpImpl(const BackboneOptions& options);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Sequential body_{nullptr};
  torch::nn::Linear embed_{nullptr};
};
TORCH_MODULE(Mlp);

// Builds the backbone `options.kind` names after validating the options.
StatusOr<std::shared_ptr<BackboneImpl>> MakeBackbone(const BackboneOptions& options);

}  // namespace autotune::trainer
