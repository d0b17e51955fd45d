// Trainer: one rank's part of a training job — the replicated backbone and
// its optimiser, this rank's classifier shard, and its data sampler — with the
// operations a segment is made of: a training step, an evaluation, a
// checkpoint save and the two ways to start from a checkpoint.
//
// Every method that says "collective" must be called by all ranks in the same
// order (they talk through the Communicator). Errors are Status values; a
// non-finite loss is kInternal naming the step, and the Trainer must not be
// used after any error.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "trainer/comm/communicator.h"
#include "trainer/data/dataset.h"
#include "trainer/data/sampler.h"
#include "trainer/model/backbone.h"
#include "trainer/model/margin_softmax.h"
#include "trainer/model/sharded_classifier.h"
#include "trainer/train/config.h"
#include "trainer/train/schedule.h"

namespace autotune::trainer {

// The model-specific checks ValidateConfig leaves out (margins for the loss,
// optimiser options), against a data set of `num_classes` classes.
Status ValidateModelConfig(const TrainConfig& config);

// The backbone suited to samples of `shape` ({C, H, W} images or {D}
// vectors), sized by the params; InvalidArgument when the named backbone
// cannot take such samples.
StatusOr<BackboneOptions> ChooseBackbone(const TrainParams& params, const SampleShape& shape);

class Trainer {
 public:
  // Collective. Builds the model for `data` on `device`; weights are drawn
  // from torch's generator (seed it first: every rank the same seed) and then
  // broadcast from rank 0, so all replicas start equal. `config` and `data`
  // must outlive the Trainer; `comm` too.
  static StatusOr<std::unique_ptr<Trainer>> Create(const TrainConfig& config, const Dataset& data,
                                                   Communicator& comm, torch::Device device);

  // Continues a run from a complete checkpoint: weights, optimiser states and
  // the data position; the optimiser's settings (lr, momentum, weight decay,
  // betas) are this run's params, not the checkpoint's. Returns the step the
  // checkpoint was taken at.
  StatusOr<std::int64_t> Resume(const std::string& dir);
  // Starts a fresh run from a (pretraining) checkpoint: the backbone only, or
  // also the classifier (same class count) unless `reset_classifier`.
  // Optimiser states and data position start afresh.
  Status InitFrom(const std::string& dir, bool with_classifier);

  // The backbone optimiser's settings now (for tests).
  torch::optim::Optimizer& backbone_optimizer() { return *optimizer_; }

  struct StepStats {
    double loss = 0;
    double lr = 0;
    double grad_norm = 0;  // before clipping (0 when clipping is off)
  };
  // Collective: one optimisation step; `step` (0-based, global) selects the
  // learning rate and the Partial-FC sample.
  StatusOr<StepStats> TrainStep(std::int64_t step);

  // Collective: top-1 accuracy over the held-out split (at most
  // data.eval_samples samples when set), taking the argmax over all classes of
  // all shards. nullopt when there is no held-out data. Changes no training
  // state (the batch-norm statistics used are rank 0's).
  StatusOr<std::optional<double>> Evaluate();

  // Collective: writes a complete checkpoint of the state after `steps_done`.
  Status Save(const std::string& dir, std::int64_t steps_done);

  const DataPosition& position() const { return sampler_->position(); }
  std::int64_t local_batch() const { return local_batch_; }
  BackboneImpl& backbone() { return *backbone_; }
  ShardedClassifier& classifier() { return *classifier_; }

 private:
  Trainer(const TrainConfig& config, const Dataset& data, Communicator& comm, torch::Device device)
      : config_(config), data_(data), comm_(comm), device_(device) {}

  // Reads samples `indices` of `split` into tensors on the device.
  Status Load(Split split, std::span<const std::int64_t> indices, torch::Tensor* inputs,
              torch::Tensor* labels);
  torch::Tensor Embed(const torch::Tensor& inputs);
  StatusOr<double> ClipGradients();
  void SetLearningRate(double lr);

  const TrainConfig& config_;
  const Dataset& data_;
  Communicator& comm_;
  torch::Device device_;
  std::int64_t local_batch_ = 0;
  ScheduleOptions schedule_;
  LossOptions loss_;
  std::shared_ptr<BackboneImpl> backbone_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::optional<ShardedClassifier> classifier_;
  std::unique_ptr<ShardSampler> sampler_;
};

}  // namespace autotune::trainer
