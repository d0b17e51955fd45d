#include "trainer/model/backbone.h"

#include <string>
#include <utility>

namespace autotune::trainer {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

// conv(3x3)-BN-ReLU as one module (nn::Sequential cannot nest).
class ConvBnReluImpl : public nn::Module {
 public:
  ConvBnReluImpl(int64_t in, int64_t out, int64_t stride = 1)
      : conv_(register_module(
            "conv", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)))),
        bn_(register_module("bn", nn::BatchNorm2d(out))) {}
  torch::Tensor forward(const torch::Tensor& x) { return torch::relu(bn_->forward(conv_->forward(x))); }

 private:
  nn::Conv2d conv_;
  nn::BatchNorm2d bn_;
};
TORCH_MODULE(ConvBnRelu);

// conv-BN-ReLU-conv-BN plus a (projected when the shape changes) shortcut.
class BasicBlockImpl : public nn::Module {
 public:
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride)
      : body_(register_module(
            "body",
            nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)),
                           nn::BatchNorm2d(out), nn::ReLU(nn::ReLUOptions(true)),
                           nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)),
                           nn::BatchNorm2d(out)))) {
    if (stride != 1 || in != out) {
      shortcut_ = register_module(
          "shortcut", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                                     nn::BatchNorm2d(out)));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor skip = shortcut_ ? shortcut_->forward(x) : x;
    return torch::relu(body_->forward(x) + skip);
  }

 private:
  nn::Sequential body_;
  nn::Sequential shortcut_{nullptr};
};
TORCH_MODULE(BasicBlock);

torch::Tensor Normalize(const torch::Tensor& embedding) {
  return F::normalize(embedding, F::NormalizeFuncOptions().p(2).dim(1));
}

}  // namespace

SmallCnnImpl::SmallCnnImpl(const BackboneOptions& options) : BackboneImpl(options) {
  const int64_t w = options.width;
  features_ = register_module("features", nn::Sequential(ConvBnRelu(options.in_channels, w), ConvBnRelu(w, w),
                                                         nn::MaxPool2d(nn::MaxPool2dOptions(2)),  // 14x14
                                                         ConvBnRelu(w, 2 * w), ConvBnRelu(2 * w, 2 * w),
                                                         nn::MaxPool2d(nn::MaxPool2dOptions(2))));  // 7x7
  embed_ = register_module("embed", nn::Linear(2 * w * 7 * 7, options.embedding_size));
  embed_bn_ = register_module("embed_bn", nn::BatchNorm1d(options.embedding_size));
}

torch::Tensor SmallCnnImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = features_->forward(x).flatten(1);
  return Normalize(embed_bn_->forward(embed_->forward(h)));
}

SmallResNetImpl::SmallResNetImpl(const BackboneOptions& options) : BackboneImpl(options) {
  const int64_t w = options.width;
  stem_ = register_module("stem", nn::Sequential(ConvBnRelu(options.in_channels, w)));
  stages_ =
      register_module("stages", nn::Sequential(BasicBlock(w, w, 1), BasicBlock(w, w, 1),
                                               BasicBlock(w, 2 * w, 2), BasicBlock(2 * w, 2 * w, 1),
                                               BasicBlock(2 * w, 4 * w, 2), BasicBlock(4 * w, 4 * w, 1)));
  embed_ = register_module("embed", nn::Linear(4 * w, options.embedding_size));
  embed_bn_ = register_module("embed_bn", nn::BatchNorm1d(options.embedding_size));
}

torch::Tensor SmallResNetImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = stages_->forward(stem_->forward(x));
  h = F::adaptive_avg_pool2d(h, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1);
  return Normalize(embed_bn_->forward(embed_->forward(h)));
}

MlpImpl::MlpImpl(const BackboneOptions& options) : BackboneImpl(options) {
  const int64_t hidden = 8 * options.width;
  body_ =
      register_module("body", nn::Sequential(nn::Linear(options.input_dim, hidden), nn::BatchNorm1d(hidden),
                                             nn::ReLU(nn::ReLUOptions(true)), nn::Linear(hidden, hidden),
                                             nn::BatchNorm1d(hidden), nn::ReLU(nn::ReLUOptions(true))));
  embed_ = register_module("embed", nn::Linear(hidden, options.embedding_size));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return Normalize(embed_->forward(body_->forward(x.flatten(1))));
}

StatusOr<std::shared_ptr<BackboneImpl>> MakeBackbone(const BackboneOptions& options) {
  AT_RETURN_IF_ERROR(ValidateBackboneOptions(options));
  try {
    switch (options.kind) {
      case BackboneKind::kCnn:
        return std::shared_ptr<BackboneImpl>(std::make_shared<SmallCnnImpl>(options));
      case BackboneKind::kResNet:
        return std::shared_ptr<BackboneImpl>(std::make_shared<SmallResNetImpl>(options));
      case BackboneKind::kMlp:
        return std::shared_ptr<BackboneImpl>(std::make_shared<MlpImpl>(options));
    }
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot build the backbone: ") + e.what());
  }
  return Status::InvalidArgument("unknown backbone kind", "backbone");
}

}  // namespace autotune::trainer
