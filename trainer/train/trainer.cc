#include "trainer/train/trainer.h"

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <cmath>

#include "trainer/checkpoint/checkpoint.h"

namespace autotune::trainer {
namespace {

// bf16 autocast for the backbone's forward on a GPU (fp32 master weights stay
// in the parameters); a no-op on the CPU, where training stays fp32.
class AutocastScope {
 public:
  explicit AutocastScope(const torch::Device& device) : enabled_(device.is_cuda()) {
    if (!enabled_) return;
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_enabled(false);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
};

ShardOptimizerOptions ShardOptimizer(const TrainParams& p) {
  ShardOptimizerOptions o;
  o.kind = p.optimizer == "adamw" ? ShardOptimizerOptions::Kind::kAdamW : ShardOptimizerOptions::Kind::kSgd;
  o.lr = p.lr;
  o.weight_decay = p.weight_decay;
  o.momentum = p.momentum;
  o.beta1 = p.beta1;
  o.beta2 = p.beta2;
  return o;
}

StatusOr<LossOptions> MakeLossOptions(const TrainConfig& c) {
  AT_ASSIGN_OR_RETURN(Margins m, ResolveMargins(c.params));
  AT_ASSIGN_OR_RETURN(MarginKind kind, ParseMarginKind(c.params.loss));
  LossOptions o;
  o.margin.kind = kind;
  o.margin.scale = c.params.scale;
  o.margin.m1 = m.m1;
  o.margin.m2 = m.m2;
  o.margin.m3 = m.m3;
  o.sample_ratio = c.params.sample_ratio;
  o.sample_seed = c.run.seed;
  return o;
}

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const TrainParams& p,
                                                       std::vector<torch::Tensor> params) {
  if (p.optimizer == "adamw") {
    return std::make_unique<torch::optim::AdamW>(
        std::move(params),
        torch::optim::AdamWOptions(p.lr).betas({p.beta1, p.beta2}).weight_decay(p.weight_decay));
  }
  return std::make_unique<torch::optim::SGD>(
      std::move(params), torch::optim::SGDOptions(p.lr).momentum(p.momentum).weight_decay(p.weight_decay));
}

// Sets the optimiser's settings from the params on every param group: a
// segment that resumes another member's checkpoint (a PBT exploit) trains with
// its own settings. (LibTorch 1.13's Optimizer::load restores only the state;
// setting them here keeps that contract whatever a LibTorch version loads.)
void ApplyOptimizerSettings(const TrainParams& p, torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups()) {
    if (auto* sgd = dynamic_cast<torch::optim::SGDOptions*>(&group.options())) {
      sgd->lr(p.lr).momentum(p.momentum).weight_decay(p.weight_decay);
    } else if (auto* adamw = dynamic_cast<torch::optim::AdamWOptions*>(&group.options())) {
      adamw->lr(p.lr).betas({p.beta1, p.beta2}).weight_decay(p.weight_decay);
    }
  }
}

// Runs `fn`, turning a LibTorch exception into a Status (this file is the
// module edge for the training loop).
template <typename Fn>
Status Guard(const std::string& what, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));
    return Status::Internal(what + ": " + msg);
  }
}

}  // namespace

Status ValidateModelConfig(const TrainConfig& config) {
  AT_ASSIGN_OR_RETURN(LossOptions loss, MakeLossOptions(config));
  AT_RETURN_IF_ERROR(ValidateLossOptions(loss));
  return ValidateShardOptimizerOptions(ShardOptimizer(config.params));
}

StatusOr<BackboneOptions> ChooseBackbone(const TrainParams& p, const SampleShape& shape) {
  BackboneOptions o;
  o.embedding_size = p.embedding_size;
  o.width = p.width;
  if (shape.size() == 1) {
    if (!p.backbone.empty() && p.backbone != "mlp") {
      return Status::InvalidArgument("backbone " + p.backbone + " cannot take vector samples (use mlp)",
                                     "backbone");
    }
    o.kind = BackboneKind::kMlp;
    o.input_dim = shape[0];
    o.in_channels = 0;
    o.image_size = 0;
  } else if (shape.size() == 3 && shape[1] == shape[2]) {
    const std::string name = p.backbone.empty() ? (shape[1] == 28 ? "cnn" : "resnet") : p.backbone;
    AT_ASSIGN_OR_RETURN(o.kind, ParseBackboneKind(name));
    if (o.kind == BackboneKind::kMlp) {
      return Status::InvalidArgument("backbone mlp cannot take images", "backbone");
    }
    o.in_channels = shape[0];
    o.image_size = shape[1];
  } else {
    return Status::InvalidArgument("samples must be vectors or square images");
  }
  AT_RETURN_IF_ERROR(ValidateBackboneOptions(o));
  return o;
}

StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const TrainConfig& config, const Dataset& data,
                                                   Communicator& comm, torch::Device device) {
  AT_RETURN_IF_ERROR(ValidateConfig(config, comm.world_size()));
  AT_RETURN_IF_ERROR(ValidateModelConfig(config));
  std::unique_ptr<Trainer> t(new Trainer(config, data, comm, device));
  const TrainParams& p = config.params;
  t->local_batch_ = p.batch_size / comm.world_size();
  if (t->local_batch_ > data.EpochSize()) {
    return Status::InvalidArgument("param 'batch_size' = " + std::to_string(p.batch_size) + " exceeds the " +
                                       std::to_string(data.EpochSize() * comm.world_size()) +
                                       " training samples of one epoch",
                                   "batch_size");
  }
  AT_ASSIGN_OR_RETURN(t->loss_, MakeLossOptions(config));
  AT_ASSIGN_OR_RETURN(t->schedule_.kind, ParseScheduleKind(p.schedule));
  AT_ASSIGN_OR_RETURN(t->schedule_.milestones, ParseMilestones(p.lr_milestones));
  t->schedule_.base_lr = p.lr;
  t->schedule_.warmup_steps = p.warmup_steps;
  t->schedule_.total_steps = p.total_steps > 0 ? p.total_steps : config.run.step_end;
  t->schedule_.min_lr_ratio = p.min_lr_ratio;
  t->schedule_.decay_factor = p.lr_decay;

  AT_ASSIGN_OR_RETURN(BackboneOptions backbone_options, ChooseBackbone(p, data.sample_shape()));
  AT_ASSIGN_OR_RETURN(t->backbone_, MakeBackbone(backbone_options));
  AT_RETURN_IF_ERROR(Guard("moving the model to " + device.str(), [&] {
    t->backbone_->to(device);
    return Status::Ok();
  }));
  std::vector<torch::Tensor> state = t->backbone_->parameters();
  for (const torch::Tensor& b : t->backbone_->buffers()) state.push_back(b);
  AT_RETURN_IF_ERROR(BroadcastTensors(comm, state, 0));
  t->optimizer_ = MakeOptimizer(p, t->backbone_->parameters());
  AT_ASSIGN_OR_RETURN(ShardedClassifier classifier,
                      ShardedClassifier::Create(data.num_classes(), p.embedding_size, comm.world_size(),
                                                comm.rank(), ShardOptimizer(p), config.run.seed, device));
  t->classifier_.emplace(std::move(classifier));
  t->sampler_ = std::make_unique<ShardSampler>(data, config.run.seed, comm.rank(), t->local_batch_);
  return t;
}

StatusOr<std::int64_t> Trainer::Resume(const std::string& dir) {
  AT_ASSIGN_OR_RETURN(CheckpointManifest peek, ReadCheckpointManifest(dir));
  // A checkpoint of the other optimiser (a perturbed `optimizer` param) gives
  // the weights; the new optimiser starts with empty state.
  const bool same_optimizer = peek.shard_optimizer == config_.params.optimizer;
  AT_ASSIGN_OR_RETURN(CheckpointManifest m,
                      LoadCheckpoint(dir, LoadOptions{}, *backbone_,
                                     same_optimizer ? optimizer_.get() : nullptr, &*classifier_));
  ApplyOptimizerSettings(config_.params, *optimizer_);
  DataPosition position;
  if (m.data_position.contains("epoch") && m.data_position.contains("offset")) {
    try {
      position.epoch = m.data_position.at("epoch").get<std::int64_t>();
      position.offset = m.data_position.at("offset").get<std::int64_t>();
    } catch (const nlohmann::json::exception& e) {
      return Status::InvalidArgument("checkpoint " + dir + ": bad data position: " + e.what());
    }
  }
  sampler_ = std::make_unique<ShardSampler>(data_, config_.run.seed, comm_.rank(), local_batch_, position);
  return m.step;
}

Status Trainer::InitFrom(const std::string& dir, bool with_classifier) {
  LoadOptions options;
  options.load_classifier = with_classifier;
  options.load_optimizer_state = false;
  return LoadCheckpoint(dir, options, *backbone_, nullptr, with_classifier ? &*classifier_ : nullptr)
      .status();
}

Status Trainer::Load(Split split, std::span<const std::int64_t> indices, torch::Tensor* inputs,
                     torch::Tensor* labels) {
  std::vector<std::int64_t> shape = data_.sample_shape();
  shape.insert(shape.begin(), static_cast<std::int64_t>(indices.size()));
  torch::Tensor x = torch::empty(shape, torch::kFloat32);
  torch::Tensor y = torch::empty({static_cast<std::int64_t>(indices.size())}, torch::kInt64);
  AT_RETURN_IF_ERROR(data_.Fill(split, indices, x.data_ptr<float>(), y.data_ptr<std::int64_t>()));
  *inputs = x.to(device_);
  *labels = y.to(device_);
  return Status::Ok();
}

torch::Tensor Trainer::Embed(const torch::Tensor& inputs) {
  AutocastScope autocast(device_);
  return backbone_->forward(inputs).to(torch::kFloat32);
}

void Trainer::SetLearningRate(double lr) {
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
  classifier_->set_lr(lr);
}

StatusOr<double> Trainer::ClipGradients() {
  torch::NoGradGuard no_grad;
  // The backbone's gradients are already summed (equal on every rank); the
  // shards' squared norms add up over the ranks.
  torch::Tensor shard_sq = classifier_->grad().pow(2).sum().to(torch::kFloat64).reshape({1});
  AT_RETURN_IF_ERROR(comm_.AllReduce(shard_sq, ReduceOp::kSum));
  double sq = shard_sq.item<double>();
  for (const torch::Tensor& p : backbone_->parameters()) {
    if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
  }
  const double norm = std::sqrt(sq);
  if (norm > config_.params.grad_clip && std::isfinite(norm)) {
    const double factor = config_.params.grad_clip / (norm + 1e-12);
    for (const torch::Tensor& p : backbone_->parameters()) {
      if (p.grad().defined()) const_cast<torch::Tensor&>(p).mutable_grad().mul_(factor);
    }
    classifier_->grad().mul_(factor);
  }
  return norm;
}

StatusOr<Trainer::StepStats> Trainer::TrainStep(std::int64_t step) {
  StepStats stats;
  stats.lr = LearningRate(schedule_, step);
  const std::vector<std::int64_t> indices = sampler_->Next();
  torch::Tensor inputs, labels;
  AT_RETURN_IF_ERROR(Load(Split::kTrain, indices, &inputs, &labels));
  Status status = Guard("training step", [&]() -> Status {
    SetLearningRate(stats.lr);
    backbone_->train();
    optimizer_->zero_grad();
    const torch::Tensor features = Embed(inputs);
    AT_ASSIGN_OR_RETURN(LossResult loss,
                        MarginSoftmaxForwardBackward(comm_, *classifier_, features, labels, loss_, step));
    stats.loss = loss.loss;
    AT_RETURN_IF_ERROR(SumGradients(comm_, backbone_->parameters()));
    if (config_.params.grad_clip > 0) {
      AT_ASSIGN_OR_RETURN(stats.grad_norm, ClipGradients());
    }
    optimizer_->step();
    classifier_->Step();
    return Status::Ok();
  });
  AT_RETURN_IF_ERROR(status);
  if (!std::isfinite(stats.loss)) {
    return Status::Internal("the loss is " + std::to_string(stats.loss) + " at step " + std::to_string(step));
  }
  return stats;
}

StatusOr<std::optional<double>> Trainer::Evaluate() {
  const int world = comm_.world_size();
  std::int64_t global = data_.GlobalSize(Split::kVal);
  if (config_.data.eval_samples > 0) global = std::min(global, config_.data.eval_samples);
  if (global == 0) return std::optional<double>();
  // Held-out shares are strided (dataset.h), so the first `global` samples
  // are each rank's first `local` ones.
  const std::int64_t local = StridedShareSize(global, comm_.rank(), world);
  const std::int64_t most = (global + world - 1) / world;
  const std::int64_t eval_batch =
      config_.data.eval_batch_size > 0 ? config_.data.eval_batch_size : config_.params.batch_size;
  const std::int64_t chunk = std::max<std::int64_t>(1, eval_batch / world);
  const std::int64_t batches = (most + chunk - 1) / chunk;
  double correct = 0;
  torch::Tensor counts;
  Status status = Guard("evaluation", [&]() -> Status {
    torch::NoGradGuard no_grad;
    // Rank 0's batch-norm statistics for every replica (evaluating must not
    // depend on which rank scores which sample).
    AT_RETURN_IF_ERROR(BroadcastTensors(comm_, backbone_->buffers(), 0));
    backbone_->eval();
    std::vector<std::int64_t> indices;
    for (std::int64_t b = 0; b < batches; ++b) {
      indices.clear();
      for (std::int64_t i = b * chunk; i < std::min(local, (b + 1) * chunk); ++i) indices.push_back(i);
      torch::Tensor features = torch::zeros({0, config_.params.embedding_size}, device_);
      torch::Tensor labels = torch::zeros({0}, torch::TensorOptions(torch::kInt64).device(device_));
      if (!indices.empty()) {
        torch::Tensor inputs;
        AT_RETURN_IF_ERROR(Load(Split::kVal, indices, &inputs, &labels));
        features = Embed(inputs);
      }
      AT_ASSIGN_OR_RETURN(torch::Tensor predicted, PredictTop1(comm_, *classifier_, features));
      correct += predicted.eq(labels).sum().item<double>();
    }
    backbone_->train();
    counts = torch::tensor({correct, static_cast<double>(local)}, torch::kFloat64).to(device_);
    return comm_.AllReduce(counts, ReduceOp::kSum);
  });
  AT_RETURN_IF_ERROR(status);
  counts = counts.cpu();
  return std::optional<double>(counts[0].item<double>() / std::max(1.0, counts[1].item<double>()));
}

Status Trainer::Save(const std::string& dir, std::int64_t steps_done) {
  CheckpointManifest m;
  m.step = steps_done;
  m.params = ParamsToJson(config_.params);
  m.data_position = {{"epoch", position().epoch}, {"offset", position().offset}};
  // Every random choice is a function of the seed and a counter (sample
  // order: seed, epoch, rank; Partial FC: seed, step, rank), so the seed is
  // the whole generator state.
  m.rng_state = {{"seed", config_.run.seed}};
  return SaveCheckpoint(comm_, dir, m, *backbone_, optimizer_.get(), *classifier_);
}

}  // namespace autotune::trainer
