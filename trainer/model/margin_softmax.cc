// The distributed margin softmax: forward and backward written out by hand so
// every collective is explicit (see margin_softmax.h for the contract).
//
// Notation: N = global batch, S = classes of this shard used this step (all of
// them, or the sampled ones), x = gathered unit features [N, E], W = the rows
// [S, E], Wn = W / |W| row-wise, cos = x Wn^T, z = s * cos with the margin on
// targets.
//   loss_i = log sum_j exp(z_ij) - z_i,y_i           (over all shards' columns)
//   dL/dz  = (softmax(z) - onehot(y)) / N
//   dL/dcos = s * dL/dz, times d(margin)/dt on target entries
//   dL/dx  = sum over shards of dL/dcos Wn   (all-reduce, then keep own rows)
//   dL/dWn = dL/dcos^T x, then through the row normalisation to dL/dW.
// Wn is never materialised: with 1M classes a second [S, E] matrix would cost
// as much as the weights. Columns of cos and of dL/dcos are scaled by 1/|W|
// instead, and with A = (dL/dcos / |W|)^T x = dL/dWn / |W|,
//   dL/dW = A - W (W . A) / |W|^2        (row-wise dot products).
#include "trainer/model/margin_softmax.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <exception>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "tuner/core/rng.h"

namespace autotune::trainer {
namespace {

namespace F = torch::nn::functional;
using torch::indexing::Slice;

torch::Tensor UnitRows(const torch::Tensor& t) {
  return F::normalize(t, F::NormalizeFuncOptions().p(2).dim(1));
}

// 1 / |w_j| for each row, with F::normalize's guard against zero rows.
torch::Tensor InverseRowNorms(const torch::Tensor& w) { return w.norm(2, 1).clamp_min(1e-12).reciprocal(); }

// cos(x_i, w_j) for unit rows x: [N, rows of w].
torch::Tensor Cosines(const torch::Tensor& x, const torch::Tensor& w) {
  return x.mm(w.t()).mul_(InverseRowNorms(w).unsqueeze(0));
}

// AllGatherRows, also reporting how many rows each rank contributed.
StatusOr<torch::Tensor> GatherRows(Communicator& comm, const torch::Tensor& local,
                                   std::vector<int64_t>* sizes) {
  const int world = comm.world_size();
  if (world == 1) {
    *sizes = {local.size(0)};
    return local;
  }
  torch::Tensor count = torch::full({1}, local.size(0), torch::kInt64);
  AT_ASSIGN_OR_RETURN(torch::Tensor gathered_counts, comm.AllGather(count));
  torch::Tensor counts = gathered_counts.cpu();
  sizes->assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + world);
  const int64_t most = counts.max().item<int64_t>();
  std::vector<int64_t> shape = local.sizes().vec();
  shape[0] = most;
  torch::Tensor padded = torch::zeros(shape, local.options());
  padded.narrow(0, 0, local.size(0)).copy_(local);
  AT_ASSIGN_OR_RETURN(torch::Tensor gathered, comm.AllGather(padded));
  std::vector<torch::Tensor> pieces;
  for (int r = 0; r < world; ++r) pieces.push_back(gathered.narrow(0, r * most, (*sizes)[r]));
  return torch::cat(pieces, 0);
}

// The target cosine after the margin, and its derivative w.r.t. t.
struct Margined {
  torch::Tensor value;
  torch::Tensor slope;
};

Margined ApplyMargin(const torch::Tensor& t, const MarginOptions& m) {
  switch (m.kind) {
    case MarginKind::kSoftmax:
      return {t.clone(), torch::ones_like(t)};
    case MarginKind::kCosFace:
      return {t - m.m3, torch::ones_like(t)};
    case MarginKind::kArcFace:
      break;
  }
  torch::Tensor tc = t.clamp(-1.0, 1.0);
  torch::Tensor theta = torch::acos(tc);
  torch::Tensor u = m.m1 * theta + m.m2;
  torch::Tensor within = u <= std::numbers::pi;
  torch::Tensor sin_theta = (1.0 - tc * tc).clamp_min(1e-12).sqrt();
  torch::Tensor value = torch::where(within, torch::cos(u) - m.m3, t - m.m2 * std::sin(m.m2) - m.m3);
  torch::Tensor slope = torch::where(within, m.m1 * torch::sin(u) / sin_theta, torch::ones_like(t));
  return {value, slope};
}

// Partial FC: the local rows to use this step, or undefined for all of them.
torch::Tensor SampleRows(const torch::Tensor& owned_cols, int64_t shard_size, const LossOptions& options,
                         int64_t step, int rank) {
  if (options.sample_ratio >= 1.0 || shard_size == 0) return {};
  // Drawn on the CPU (a seeded CPU generator), moved to the weights' device.
  torch::Tensor positives = std::get<0>(torch::_unique(owned_cols.cpu()));
  const int64_t wanted = static_cast<int64_t>(std::ceil(options.sample_ratio * shard_size));
  const int64_t keep = std::min(shard_size, std::max(wanted, positives.numel()));
  if (keep == shard_size) return {};
  const uint64_t seed = Mix64(options.sample_seed ^ Mix64(static_cast<uint64_t>(step)) ^
                              Mix64(0x5151ULL + static_cast<uint64_t>(rank)));
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::Tensor scores = torch::rand({shard_size}, gen, torch::kFloat32);
  scores.index_fill_(0, positives, 2.0f);  // positives outrank every negative
  return std::get<0>(torch::sort(std::get<1>(torch::topk(scores, keep)))).to(owned_cols.device());
}

// Rows of the global batch this shard owns, and their label's local column.
struct Targets {
  torch::Tensor rows;
  torch::Tensor cols;
};

Targets OwnedTargets(const torch::Tensor& labels, ClassRange range) {
  torch::Tensor owned = (labels >= range.begin) & (labels < range.end);
  torch::Tensor rows = owned.nonzero().flatten();
  return {rows, labels.index_select(0, rows) - range.begin};
}

}  // namespace

std::string MarginKindName(MarginKind kind) {
  switch (kind) {
    case MarginKind::kSoftmax:
      return "softmax";
    case MarginKind::kArcFace:
      return "arcface";
    case MarginKind::kCosFace:
      return "cosface";
  }
  return "unknown";
}

StatusOr<MarginKind> ParseMarginKind(std::string_view name) {
  for (MarginKind k : {MarginKind::kSoftmax, MarginKind::kArcFace, MarginKind::kCosFace}) {
    if (name == MarginKindName(k)) return k;
  }
  return Status::InvalidArgument(
      "unknown loss '" + std::string(name) + "' (expected softmax, arcface or cosface)", "loss");
}

MarginOptions MakeMarginOptions(MarginKind kind, double margin, double scale) {
  MarginOptions m;
  m.kind = kind;
  m.scale = scale;
  m.m1 = 1.0;
  m.m2 = kind == MarginKind::kArcFace ? margin : 0.0;
  m.m3 = kind == MarginKind::kCosFace ? margin : 0.0;
  return m;
}

Status ValidateMarginOptions(const MarginOptions& m) {
  if (!std::isfinite(m.scale) || m.scale <= 0 || m.scale > 1024) {
    return Status::InvalidArgument("scale must be in (0, 1024]", "scale");
  }
  if (m.kind == MarginKind::kSoftmax) return Status::Ok();
  if (!(m.m3 >= 0 && m.m3 <= 1)) {
    return Status::InvalidArgument("cosine margin must be in [0, 1]", "margin");
  }
  if (m.kind == MarginKind::kArcFace) {
    if (!(m.m2 >= 0 && m.m2 <= std::numbers::pi / 2)) {
      return Status::InvalidArgument("ArcFace angular margin must be in [0, pi/2]", "margin");
    }
    if (!(m.m1 >= 1 && m.m1 <= 4)) {
      return Status::InvalidArgument("ArcFace multiplicative margin must be in [1, 4]", "m1");
    }
  }
  return Status::Ok();
}

Status ValidateLossOptions(const LossOptions& options) {
  AT_RETURN_IF_ERROR(ValidateMarginOptions(options.margin));
  if (!(options.sample_ratio > 0 && options.sample_ratio <= 1)) {
    return Status::InvalidArgument("sample_ratio must be in (0, 1]", "sample_ratio");
  }
  return Status::Ok();
}

StatusOr<torch::Tensor> AllGatherRows(Communicator& comm, const torch::Tensor& local) {
  std::vector<int64_t> sizes;
  return GatherRows(comm, local, &sizes);
}

torch::Tensor ShardMarginLogits(const torch::Tensor& unit_features, const torch::Tensor& labels,
                                const ShardedClassifier& classifier, const MarginOptions& margin) {
  torch::NoGradGuard no_grad;
  torch::Tensor logits = Cosines(unit_features, classifier.weight());
  Targets targets = OwnedTargets(labels, classifier.range());
  torch::Tensor t = logits.index({targets.rows, targets.cols});
  logits.index_put_({targets.rows, targets.cols}, ApplyMargin(t, margin).value);
  return logits.mul_(margin.scale);
}

StatusOr<LossResult> MarginSoftmaxForwardBackward(Communicator& comm, ShardedClassifier& classifier,
                                                  const torch::Tensor& features, const torch::Tensor& labels,
                                                  const LossOptions& options, int64_t step) {
  AT_RETURN_IF_ERROR(ValidateLossOptions(options));
  if (features.dim() != 2 || features.size(1) != classifier.embedding_size() || labels.dim() != 1 ||
      labels.size(0) != features.size(0)) {
    return Status::InvalidArgument("features must be [b, " + std::to_string(classifier.embedding_size()) +
                                   "] with b labels");
  }
  try {
    torch::Tensor unit = UnitRows(features.to(torch::kFloat32));
    torch::Tensor local_labels = labels.to(classifier.weight().device(), torch::kInt64);
    if (local_labels.numel() > 0 && (local_labels.min().item<int64_t>() < 0 ||
                                     local_labels.max().item<int64_t>() >= classifier.num_classes())) {
      return Status::InvalidArgument("label outside [0, " + std::to_string(classifier.num_classes()) + ")");
    }
    torch::Tensor feature_grad;
    LossResult result;
    {
      torch::NoGradGuard no_grad;
      std::vector<int64_t> sizes;
      AT_ASSIGN_OR_RETURN(torch::Tensor x, GatherRows(comm, unit.detach(), &sizes));
      AT_ASSIGN_OR_RETURN(torch::Tensor y, GatherRows(comm, local_labels, &sizes));
      const int64_t n = x.size(0);
      result.global_batch = n;
      if (n == 0) {  // nothing to learn from: Step() leaves every row alone
        classifier.grad().zero_();
        classifier.set_touched_rows(torch::empty({0}, torch::kInt64));
        return result;
      }

      const ClassRange range = classifier.range();
      Targets targets = OwnedTargets(y, range);
      torch::Tensor rows = SampleRows(targets.cols, range.size(), options, step, comm.rank());
      torch::Tensor w = rows.defined() ? classifier.weight().index_select(0, rows) : classifier.weight();
      if (rows.defined()) {  // label column -> its position among the sampled rows
        const auto on = rows.options();
        torch::Tensor position = torch::full({range.size()}, -1, on);
        position.index_put_({rows}, torch::arange(rows.numel(), on));
        targets.cols = position.index_select(0, targets.cols);
      }
      result.sampled_classes = w.size(0);
      torch::Tensor inv_norms = InverseRowNorms(w).unsqueeze(0);  // [1, S]

      // Forward: z in one [N, S] buffer, reused for exp(z - max) and the grad.
      const double s = options.margin.scale;
      torch::Tensor z = x.mm(w.t()).mul_(inv_norms);
      Margined target = ApplyMargin(z.index({targets.rows, targets.cols}), options.margin);
      z.index_put_({targets.rows, targets.cols}, target.value);
      z.mul_(s);
      torch::Tensor row_max = z.size(1) > 0
                                  ? std::get<0>(z.max(1))
                                  : torch::full({n}, -std::numeric_limits<float>::infinity(), x.options());
      AT_RETURN_IF_ERROR(comm.AllReduce(row_max, ReduceOp::kMax));
      z.sub_(row_max.unsqueeze(1)).exp_();
      torch::Tensor sum_exp = z.sum(1);
      AT_RETURN_IF_ERROR(comm.AllReduce(sum_exp, ReduceOp::kSum));
      torch::Tensor target_logit = torch::zeros({n}, x.options());
      target_logit.index_put_({targets.rows}, target.value * s);
      AT_RETURN_IF_ERROR(comm.AllReduce(target_logit, ReduceOp::kSum));
      result.loss = (sum_exp.log() + row_max - target_logit).mean().item<double>();
      if (!std::isfinite(result.loss)) {
        return Status::Internal("non-finite loss (" + std::to_string(result.loss) + ") at step " +
                                std::to_string(step));
      }

      // Backward: z becomes dL/dcos in place.
      z.div_(sum_exp.unsqueeze(1));
      z.index_put_({targets.rows, targets.cols}, z.index({targets.rows, targets.cols}) - 1.0);
      z.mul_(s / static_cast<double>(n));
      z.index_put_({targets.rows, targets.cols}, z.index({targets.rows, targets.cols}) * target.slope);
      z.mul_(inv_norms);  // dL/dcos / |W|
      torch::Tensor dx = z.mm(w);
      AT_RETURN_IF_ERROR(comm.AllReduce(dx, ReduceOp::kSum));
      int64_t offset = 0;
      for (int r = 0; r < comm.rank(); ++r) offset += sizes[r];
      feature_grad = dx.narrow(0, offset, features.size(0));

      // A = dL/dWn / |W|, computed straight into the gradient when dense.
      torch::Tensor a = rows.defined() ? z.t().mm(x) : classifier.grad();
      if (!rows.defined()) torch::mm_out(a, z.t(), x);
      torch::Tensor dot = torch::bmm(w.unsqueeze(1), a.unsqueeze(2)).view({-1, 1});
      a.addcmul_(w, dot * inv_norms.t().square(), -1.0);
      if (rows.defined()) {
        classifier.grad().zero_();
        classifier.grad().index_copy_(0, rows, a);
      }
      classifier.set_touched_rows(rows);
    }
    if (unit.requires_grad() && unit.numel() > 0) {
      torch::autograd::backward({unit}, {feature_grad});
    }
    return result;
  } catch (const std::exception& e) {
    std::string what = e.what();
    return Status::Internal("margin softmax failed: " + what.substr(0, what.find('\n')));
  }
}

StatusOr<torch::Tensor> PredictTop1(Communicator& comm, const ShardedClassifier& classifier,
                                    const torch::Tensor& features) {
  try {
    torch::NoGradGuard no_grad;
    std::vector<int64_t> sizes;
    AT_ASSIGN_OR_RETURN(torch::Tensor x, GatherRows(comm, UnitRows(features.to(torch::kFloat32)), &sizes));
    const int64_t n = x.size(0);
    torch::Tensor best = torch::full({n}, -std::numeric_limits<float>::infinity(), x.options());
    torch::Tensor best_class = torch::zeros({n}, x.options().dtype(torch::kInt64));
    if (classifier.range().size() > 0 && n > 0) {
      auto [value, index] = Cosines(x, classifier.weight()).max(1);
      best = value.contiguous();
      best_class = (index + classifier.range().begin).contiguous();
    }
    AT_ASSIGN_OR_RETURN(torch::Tensor all_best, comm.AllGather(best));
    AT_ASSIGN_OR_RETURN(torch::Tensor all_class, comm.AllGather(best_class));
    const int world = comm.world_size();
    // Ties go to the lowest rank, i.e. the lowest class id.
    torch::Tensor winner = all_best.view({world, n}).argmax(0);
    torch::Tensor chosen = all_class.view({world, n}).gather(0, winner.unsqueeze(0)).squeeze(0);
    int64_t offset = 0;
    for (int r = 0; r < comm.rank(); ++r) offset += sizes[r];
    return chosen.narrow(0, offset, features.size(0)).clone();
  } catch (const std::exception& e) {
    std::string what = e.what();
    return Status::Internal("prediction failed: " + what.substr(0, what.find('\n')));
  }
}

}  // namespace autotune::trainer
