// The distributed margin softmax loss (PLSC's dist_softmax / dist_arcface).
//
// Per step every rank calls MarginSoftmaxForwardBackward with its own batch:
//  1. features are L2-normalised, then features and labels are all-gathered
//     (ragged batches allowed) into the global batch of N samples;
//  2. each rank computes s*cos(theta) for its own classes only; the margin is
//     applied to the target entry on the rank that owns the label;
//  3. softmax through all-reduce MAX and all-reduce SUM (numerically stable);
//  4. loss = mean over the GLOBAL batch of -log p(label), the same on all ranks;
//  5. backward by hand: the classifier shard's gradient is written to
//     classifier.grad(); the gradient w.r.t. the gathered features is summed
//     over ranks (all-reduce; Gloo has no reduce-scatter) and each rank keeps
//     its own rows, which it back-propagates into `features`' autograd graph
//     (so the backbone's .grad receives this rank's samples' share; sum those
//     over ranks with SumGradients).
//
// Margins on the target cosine t = cos(theta):
//   kSoftmax  s*t
//   kCosFace  s*(t - m3)
//   kArcFace  s*(cos(m1*theta + m2) - m3) while m1*theta + m2 <= pi, else the
//             usual monotonic fallback s*(t - m2*sin(m2) - m3).
//
// Partial FC (sample_ratio < 1): each rank keeps every class of the global
// batch it owns plus random negatives up to ceil(sample_ratio * shard size),
// drawn from a generator seeded by (sample_seed, step, rank) so a resumed run
// samples the same classes. Logits, softmax and gradients use the sampled rows
// only; classifier.touched_rows() records them for ShardedClassifier::Step.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "trainer/comm/communicator.h"
#include "trainer/model/sharded_classifier.h"
#include "tuner/core/status.h"

namespace autotune::trainer {

enum class MarginKind { kSoftmax, kArcFace, kCosFace };

// "softmax", "arcface", "cosface".
std::string MarginKindName(MarginKind kind);
StatusOr<MarginKind> ParseMarginKind(std::string_view name);

struct MarginOptions {
  MarginKind kind = MarginKind::kArcFace;
  double scale = 64.0;  // s
  double m1 = 1.0;      // ArcFace multiplicative angular margin
  double m2 = 0.5;      // ArcFace additive angular margin (radians)
  double m3 = 0.0;      // additive cosine margin (CosFace; ArcFace combined)
};

// The trial's (loss, margin, scale): kArcFace puts `margin` in m2, kCosFace in
// m3, kSoftmax ignores it.
MarginOptions MakeMarginOptions(MarginKind kind, double margin, double scale);
// kInvalidArgument naming the field ("scale", "margin") for a margin that
// makes the loss undefined or meaningless (s <= 0, m2 outside [0, pi/2],
// m3 outside [0, 1], m1 < 1 ...).
Status ValidateMarginOptions(const MarginOptions& options);

struct LossOptions {
  MarginOptions margin;
  double sample_ratio = 1.0;  // (0, 1]
  uint64_t sample_seed = 0;
};
Status ValidateLossOptions(const LossOptions& options);

struct LossResult {
  double loss = 0.0;            // mean over the global batch; same on all ranks
  int64_t global_batch = 0;     // N
  int64_t sampled_classes = 0;  // rows of this shard used this step
};

// Collective (see above). `features` [b, E] float (any b >= 0 per rank, E =
// classifier.embedding_size()), part of an autograd graph or a leaf that
// requires grad, on the classifier's device; `labels` [b] global ids in
// [0, num_classes) (any integer dtype, moved to that device).
// Overwrites classifier.grad() (zero outside the touched rows) and
// touched_rows(). A non-finite loss returns kInternal naming the step, before
// anything is back-propagated.
StatusOr<LossResult> MarginSoftmaxForwardBackward(Communicator& comm, ShardedClassifier& classifier,
                                                  const torch::Tensor& features, const torch::Tensor& labels,
                                                  const LossOptions& options, int64_t step);

// s*cos of the already unit-norm global `unit_features` [N, E] against this
// shard's rows [N, shard size], with the margin on the target entry of every row
// whose label this shard owns (other rows and shards get none). No autograd.
torch::Tensor ShardMarginLogits(const torch::Tensor& unit_features, const torch::Tensor& labels,
                                const ShardedClassifier& classifier, const MarginOptions& margin);

// Collective, no gradients: the global class with the highest cosine for each
// of this rank's `features` [b, E] -> int64 [b]. Ragged b allowed.
StatusOr<torch::Tensor> PredictTop1(Communicator& comm, const ShardedClassifier& classifier,
                                    const torch::Tensor& features);

// Collective: concatenation of every rank's rows in rank order when ranks
// hold different numbers of rows (same trailing shape and dtype).
StatusOr<torch::Tensor> AllGatherRows(Communicator& comm, const torch::Tensor& local);

}  // namespace autotune::trainer
