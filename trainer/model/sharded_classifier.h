// The classification layer, sharded by class across ranks (model parallel):
// rank r holds only the rows [ShardRange(C, W, r)) of the C x E weight matrix,
// plus its optimiser state, and updates them itself.
//
// Why the shard has its own optimiser instead of a torch::optim one: with
// Partial-FC class sampling (LossOptions::sample_ratio < 1) only the sampled
// rows take part in a step; a torch::optim optimiser would still apply weight
// decay and momentum to every row. Step() updates only the rows the last
// MarginSoftmaxForwardBackward touched (all rows when nothing was sampled), so
// an unsampled row keeps its weight AND its momentum unchanged. Its state is
// shaped like the weight, so checkpoints re-shard it row by row.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "tuner/core/status.h"

namespace autotune::trainer {

// Half-open range of global class ids.
struct ClassRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
  bool Contains(int64_t c) const { return c >= begin && c < end; }
  bool operator==(const ClassRange&) const = default;
};

// Contiguous, balanced slices: the first C % W ranks own one class more.
// A rank may own no class when C < W.
ClassRange ShardRange(int64_t num_classes, int world_size, int rank);

struct ShardOptimizerOptions {
  enum class Kind { kSgd, kAdamW };
  Kind kind = Kind::kSgd;
  double lr = 0.1;
  double weight_decay = 5e-4;
  // kSgd (PyTorch semantics): g += wd*w; buf = momentum*buf + g; w -= lr*buf.
  double momentum = 0.9;
  // kAdamW (decoupled decay, bias-corrected by the shard's step count).
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};
Status ValidateShardOptimizerOptions(const ShardOptimizerOptions& options);
// "sgd", "adamw".
std::string ShardOptimizerKindName(ShardOptimizerOptions::Kind kind);
StatusOr<ShardOptimizerOptions::Kind> ParseShardOptimizerKind(std::string_view name);

class ShardedClassifier {
 public:
  // Rows start as N(0, 0.01^2) drawn from `init_seed` in fixed blocks of global
  // rows, so the full matrix is the same whatever the world size. fp32.
  static StatusOr<ShardedClassifier> Create(int64_t num_classes, int64_t embedding_size, int world_size,
                                            int rank, const ShardOptimizerOptions& optimizer,
                                            uint64_t init_seed, torch::Device device = torch::kCPU);

  int64_t num_classes() const { return num_classes_; }
  int64_t embedding_size() const { return embedding_size_; }
  int world_size() const { return world_size_; }
  int rank() const { return rank_; }
  ClassRange range() const { return range_; }

  // [range().size(), E]; plain tensors (no autograd): the loss writes grad()
  // explicitly and Step() updates weight() in place.
  torch::Tensor& weight() { return weight_; }
  const torch::Tensor& weight() const { return weight_; }
  torch::Tensor& grad() { return grad_; }
  const torch::Tensor& grad() const { return grad_; }

  // Local row indices (int64) the last loss touched; undefined = every row.
  void set_touched_rows(torch::Tensor rows) { touched_rows_ = std::move(rows); }
  const torch::Tensor& touched_rows() const { return touched_rows_; }

  const ShardOptimizerOptions& optimizer() const { return optimizer_; }
  void set_lr(double lr) { optimizer_.lr = lr; }
  // Applies one optimiser step to the touched rows, then zeroes their grad.
  void Step();

  // Optimiser state, each slot shaped like weight(): kSgd {"momentum"},
  // kAdamW {"exp_avg", "exp_avg_sq"}; plus the number of steps taken.
  std::map<std::string, torch::Tensor>& slots() { return slots_; }
  const std::map<std::string, torch::Tensor>& slots() const { return slots_; }
  int64_t optimizer_steps() const { return optimizer_steps_; }
  void set_optimizer_steps(int64_t steps) { optimizer_steps_ = steps; }

 private:
  ShardedClassifier() = default;

  int64_t num_classes_ = 0;
  int64_t embedding_size_ = 0;
  int world_size_ = 1;
  int rank_ = 0;
  ClassRange range_;
  ShardOptimizerOptions optimizer_;
  torch::Tensor weight_;
  torch::Tensor grad_;
  torch::Tensor touched_rows_;
  std::map<std::string, torch::Tensor> slots_;
  int64_t optimizer_steps_ = 0;
};

}  // namespace autotune::trainer
