#include "trainer/model/sharded_classifier.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>
#include <utility>

#include "tuner/core/rng.h"

namespace autotune::trainer {
namespace {

// Rows are initialised in blocks of this many global rows, each block from its
// own seed, so a shard's rows do not depend on how the classes are split.
constexpr int64_t kInitBlockRows = 4096;
constexpr double kInitStd = 0.01;

torch::Tensor InitRows(ClassRange range, int64_t embedding_size, uint64_t seed) {
  torch::Tensor rows = torch::empty({range.size(), embedding_size}, torch::kFloat32);
  if (range.size() == 0) return rows;
  const int64_t first_block = range.begin / kInitBlockRows;
  const int64_t last_block = (range.end - 1) / kInitBlockRows;
  for (int64_t b = first_block; b <= last_block; ++b) {
    at::Generator gen =
        at::make_generator<at::CPUGeneratorImpl>(Mix64(seed ^ Mix64(static_cast<uint64_t>(b))));
    torch::Tensor block = torch::randn({kInitBlockRows, embedding_size}, gen, torch::kFloat32) * kInitStd;
    const int64_t block_begin = b * kInitBlockRows;
    const int64_t lo = std::max(range.begin, block_begin);
    const int64_t hi = std::min(range.end, block_begin + kInitBlockRows);
    rows.narrow(0, lo - range.begin, hi - lo).copy_(block.narrow(0, lo - block_begin, hi - lo));
  }
  return rows;
}

}  // namespace

ClassRange ShardRange(int64_t num_classes, int world_size, int rank) {
  const int64_t base = num_classes / world_size;
  const int64_t extra = num_classes % world_size;
  const int64_t begin = rank * base + std::min<int64_t>(rank, extra);
  return ClassRange{begin, begin + base + (rank < extra ? 1 : 0)};
}

Status ValidateShardOptimizerOptions(const ShardOptimizerOptions& o) {
  if (!std::isfinite(o.lr) || o.lr < 0) {
    return Status::InvalidArgument("learning rate must be finite and >= 0", "lr");
  }
  if (!std::isfinite(o.weight_decay) || o.weight_decay < 0) {
    return Status::InvalidArgument("weight decay must be finite and >= 0", "weight_decay");
  }
  if (!(o.momentum >= 0 && o.momentum < 1)) {
    return Status::InvalidArgument("momentum must be in [0, 1)", "momentum");
  }
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1)) {
    return Status::InvalidArgument("AdamW betas must be in [0, 1)", "betas");
  }
  if (!(o.eps > 0)) return Status::InvalidArgument("AdamW eps must be > 0", "eps");
  return Status::Ok();
}

std::string ShardOptimizerKindName(ShardOptimizerOptions::Kind kind) {
  return kind == ShardOptimizerOptions::Kind::kSgd ? "sgd" : "adamw";
}

StatusOr<ShardOptimizerOptions::Kind> ParseShardOptimizerKind(std::string_view name) {
  if (name == "sgd") return ShardOptimizerOptions::Kind::kSgd;
  if (name == "adamw") return ShardOptimizerOptions::Kind::kAdamW;
  return Status::InvalidArgument("unknown optimizer '" + std::string(name) + "' (expected sgd or adamw)",
                                 "optimizer");
}

StatusOr<ShardedClassifier> ShardedClassifier::Create(int64_t num_classes, int64_t embedding_size,
                                                      int world_size, int rank,
                                                      const ShardOptimizerOptions& optimizer,
                                                      uint64_t init_seed, torch::Device device) {
  if (num_classes < 1) return Status::InvalidArgument("need at least one class", "num_classes");
  if (embedding_size < 1) {
    return Status::InvalidArgument("embedding size must be positive", "embedding_size");
  }
  if (world_size < 1 || rank < 0 || rank >= world_size) {
    return Status::InvalidArgument("rank " + std::to_string(rank) + " outside world of " +
                                   std::to_string(world_size));
  }
  AT_RETURN_IF_ERROR(ValidateShardOptimizerOptions(optimizer));
  ShardedClassifier c;
  c.num_classes_ = num_classes;
  c.embedding_size_ = embedding_size;
  c.world_size_ = world_size;
  c.rank_ = rank;
  c.range_ = ShardRange(num_classes, world_size, rank);
  c.optimizer_ = optimizer;
  try {
    c.weight_ = InitRows(c.range_, embedding_size, init_seed).to(device);
    c.grad_ = torch::zeros_like(c.weight_);
    if (optimizer.kind == ShardOptimizerOptions::Kind::kSgd) {
      c.slots_["momentum"] = torch::zeros_like(c.weight_);
    } else {
      c.slots_["exp_avg"] = torch::zeros_like(c.weight_);
      c.slots_["exp_avg_sq"] = torch::zeros_like(c.weight_);
    }
  } catch (const std::exception& e) {
    return Status::Internal("cannot allocate the classifier shard (" + std::to_string(c.range_.size()) +
                            " x " + std::to_string(embedding_size) + "): " + e.what());
  }
  return c;
}

void ShardedClassifier::Step() {
  torch::NoGradGuard no_grad;
  const bool all_rows = !touched_rows_.defined();
  if (weight_.size(0) == 0 || (!all_rows && touched_rows_.numel() == 0)) {
    ++optimizer_steps_;
    return;
  }
  // Work on the touched rows (gathered copies when sampled), then write back.
  auto take = [&](const torch::Tensor& t) { return all_rows ? t : t.index_select(0, touched_rows_); };
  torch::Tensor w = take(weight_);
  torch::Tensor g = take(grad_);
  const ShardOptimizerOptions& o = optimizer_;
  ++optimizer_steps_;
  if (o.kind == ShardOptimizerOptions::Kind::kSgd) {
    torch::Tensor buf = take(slots_.at("momentum"));
    if (o.weight_decay != 0) g = g + o.weight_decay * w;
    buf.mul_(o.momentum).add_(g);
    w.sub_(o.lr * buf);
    if (!all_rows) slots_.at("momentum").index_copy_(0, touched_rows_, buf);
  } else {
    torch::Tensor m = take(slots_.at("exp_avg"));
    torch::Tensor v = take(slots_.at("exp_avg_sq"));
    w.mul_(1.0 - o.lr * o.weight_decay);
    m.mul_(o.beta1).add_(g, 1.0 - o.beta1);
    v.mul_(o.beta2).addcmul_(g, g, 1.0 - o.beta2);
    const double t = static_cast<double>(optimizer_steps_);
    const double bias1 = 1.0 - std::pow(o.beta1, t);
    const double bias2 = 1.0 - std::pow(o.beta2, t);
    torch::Tensor denom = (v / bias2).sqrt_().add_(o.eps);
    w.addcdiv_(m, denom, -o.lr / bias1);
    if (!all_rows) {
      slots_.at("exp_avg").index_copy_(0, touched_rows_, m);
      slots_.at("exp_avg_sq").index_copy_(0, touched_rows_, v);
    }
  }
  if (all_rows) {
    grad_.zero_();
  } else {
    weight_.index_copy_(0, touched_rows_, w);
    grad_.index_fill_(0, touched_rows_, 0.0);
  }
}

}  // namespace autotune::trainer
