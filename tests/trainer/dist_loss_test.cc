// Exactness of the distributed margin softmax against a single-process full
// margin softmax computed by autograd (fp32, CPU, Gloo, ranks as threads).
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "tests/trainer/test_util.h"
#include "trainer/model/margin_softmax.h"

namespace autotune::trainer {
namespace {

using testing::CloseRelative;
using testing::RunRanks;
namespace F = torch::nn::functional;

constexpr uint64_t kInitSeed = 7;
constexpr double kTol = 1e-5;

// The reference: every class in one process, margin on the target, autograd.
struct Reference {
  double loss;
  torch::Tensor feature_grad;
  torch::Tensor weight_grad;
  torch::Tensor logits;
};

Reference FullMarginSoftmax(const torch::Tensor& features, const torch::Tensor& weight,
                            const torch::Tensor& labels, const MarginOptions& m) {
  torch::Tensor f = features.clone().requires_grad_(true);
  torch::Tensor w = weight.clone().requires_grad_(true);
  torch::Tensor x = F::normalize(f, F::NormalizeFuncOptions().dim(1));
  torch::Tensor wn = F::normalize(w, F::NormalizeFuncOptions().dim(1));
  torch::Tensor cos = x.mm(wn.t());
  torch::Tensor t = cos.gather(1, labels.unsqueeze(1)).squeeze(1);
  torch::Tensor target = t;
  if (m.kind == MarginKind::kCosFace) target = t - m.m3;
  if (m.kind == MarginKind::kArcFace) {
    torch::Tensor u = m.m1 * torch::acos(t.clamp(-1.0, 1.0)) + m.m2;
    target = torch::where(u <= std::numbers::pi, torch::cos(u) - m.m3, t - m.m2 * std::sin(m.m2) - m.m3);
  }
  torch::Tensor logits = cos.scatter(1, labels.unsqueeze(1), target.unsqueeze(1)) * m.scale;
  torch::Tensor loss = F::cross_entropy(logits, labels);
  loss.backward();
  return {loss.item<double>(), f.grad(), w.grad(), logits.detach()};
}

torch::Tensor FullWeight(int64_t classes, int64_t dim) {
  return ShardedClassifier::Create(classes, dim, 1, 0, {}, kInitSeed)->weight();
}

// What every rank reports back to the test thread.
struct RankOutput {
  double loss = 0;
  torch::Tensor feature_grad;
  torch::Tensor weight_grad;
  torch::Tensor touched;  // global class ids of the touched rows
  int64_t global_batch = 0;
};

// Runs the sharded loss with rank r holding rows [offsets[r], offsets[r+1]).
std::vector<RankOutput> RunSharded(int world, const torch::Tensor& features, const torch::Tensor& labels,
                                   int64_t classes, const std::vector<int64_t>& offsets,
                                   const LossOptions& options, int64_t step = 0) {
  std::vector<RankOutput> out(world);
  RunRanks(world, [&](Communicator& comm) {
    const int r = comm.rank();
    auto classifier = ShardedClassifier::Create(classes, features.size(1), world, r, {}, kInitSeed);
    ASSERT_TRUE(classifier.ok());
    torch::Tensor f =
        features.narrow(0, offsets[r], offsets[r + 1] - offsets[r]).clone().requires_grad_(true);
    torch::Tensor y = labels.narrow(0, offsets[r], offsets[r + 1] - offsets[r]);
    auto result = MarginSoftmaxForwardBackward(comm, *classifier, f, y, options, step);
    ASSERT_TRUE(result.ok()) << result.status().message();
    out[r].loss = result->loss;
    out[r].global_batch = result->global_batch;
    out[r].feature_grad = f.grad().defined() ? f.grad() : torch::zeros_like(f);
    out[r].weight_grad = classifier->grad().clone();
    const torch::Tensor& rows = classifier->touched_rows();
    out[r].touched =
        (rows.defined() ? rows : torch::arange(classifier->range().size())) + classifier->range().begin;
  });
  return out;
}

std::vector<int64_t> EvenOffsets(int world, int64_t per_rank) {
  std::vector<int64_t> o;
  for (int r = 0; r <= world; ++r) o.push_back(r * per_rank);
  return o;
}

void ExpectMatchesReference(const std::vector<RankOutput>& out, const Reference& ref) {
  std::vector<torch::Tensor> fg, wg;
  for (const RankOutput& o : out) {
    EXPECT_NEAR(o.loss, ref.loss, kTol * std::abs(ref.loss));
    fg.push_back(o.feature_grad);
    wg.push_back(o.weight_grad);
  }
  EXPECT_TRUE(CloseRelative(torch::cat(fg), ref.feature_grad, kTol));
  EXPECT_TRUE(CloseRelative(torch::cat(wg), ref.weight_grad, kTol));
}

struct Case {
  int world;
  MarginKind kind;
};

class DistLossExactness : public ::testing::TestWithParam<Case> {};

TEST_P(DistLossExactness, LossAndGradientsEqualFullSoftmaxWithUnevenShards) {
  torch::manual_seed(42);
  const auto [world, kind] = GetParam();
  const int64_t classes = 11, dim = 16, per_rank = 6;  // 11 classes never divide evenly
  torch::Tensor features = torch::randn({world * per_rank, dim}, torch::kFloat32);
  torch::Tensor labels = torch::randint(classes, {world * per_rank}, torch::kInt64);
  const MarginOptions margin = MakeMarginOptions(kind, kind == MarginKind::kCosFace ? 0.35 : 0.5, 64);
  LossOptions options{margin};
  auto out = RunSharded(world, features, labels, classes, EvenOffsets(world, per_rank), options);
  ExpectMatchesReference(out, FullMarginSoftmax(features, FullWeight(classes, dim), labels, margin));
}

INSTANTIATE_TEST_SUITE_P(WorldsAndMargins, DistLossExactness,
                         ::testing::Values(Case{1, MarginKind::kArcFace}, Case{2, MarginKind::kArcFace},
                                           Case{3, MarginKind::kArcFace}, Case{4, MarginKind::kArcFace},
                                           Case{1, MarginKind::kCosFace}, Case{2, MarginKind::kCosFace},
                                           Case{3, MarginKind::kCosFace}, Case{4, MarginKind::kCosFace},
                                           Case{1, MarginKind::kSoftmax}, Case{2, MarginKind::kSoftmax},
                                           Case{3, MarginKind::kSoftmax}, Case{4, MarginKind::kSoftmax}),
                         [](const ::testing::TestParamInfo<Case>& case_info) {
                           return MarginKindName(case_info.param.kind) + "_world" +
                                  std::to_string(case_info.param.world);
                         });

TEST(DistLoss, ShardsOwningNoLabelOfTheBatchStillGetExactGradients) {
  torch::manual_seed(42);
  const int world = 4;
  const int64_t classes = 13, dim = 8;
  // Every label lies in rank 0's slice [0, 4): ranks 1-3 own none of them.
  torch::Tensor features = torch::randn({12, dim});
  torch::Tensor labels = torch::randint(4, {12}, torch::kInt64);
  const MarginOptions margin = MakeMarginOptions(MarginKind::kArcFace, 0.5, 64);
  auto out = RunSharded(world, features, labels, classes, EvenOffsets(world, 3), LossOptions{margin});
  ExpectMatchesReference(out, FullMarginSoftmax(features, FullWeight(classes, dim), labels, margin));
}

TEST(DistLoss, RaggedBatchesAndRanksWithoutClassesAreExact) {
  torch::manual_seed(42);
  const int world = 4;
  const int64_t classes = 3, dim = 8;  // rank 3 owns no class at all
  torch::Tensor features = torch::randn({10, dim});
  torch::Tensor labels = torch::randint(classes, {10}, torch::kInt64);
  const std::vector<int64_t> offsets{0, 4, 5, 5, 10};  // rank 2 has an empty batch
  const MarginOptions margin = MakeMarginOptions(MarginKind::kCosFace, 0.4, 30);
  auto out = RunSharded(world, features, labels, classes, offsets, LossOptions{margin});
  for (const RankOutput& o : out) EXPECT_EQ(o.global_batch, 10);
  ExpectMatchesReference(out, FullMarginSoftmax(features, FullWeight(classes, dim), labels, margin));
}

TEST(DistLoss, ArcFaceFallbackBeyondPiIsExact) {
  torch::manual_seed(42);
  // Features opposite to their class centre: theta + m2 > pi takes the fallback.
  const int64_t classes = 6, dim = 8;
  torch::Tensor weight = FullWeight(classes, dim);
  torch::Tensor labels = torch::tensor({0, 1, 2, 3, 4, 5, 0, 1}, torch::kInt64);
  torch::Tensor features = -weight.index_select(0, labels) + 1e-4 * torch::randn({8, dim});
  const MarginOptions margin = MakeMarginOptions(MarginKind::kArcFace, 0.5, 64);
  auto out = RunSharded(2, features, labels, classes, EvenOffsets(2, 4), LossOptions{margin});
  ExpectMatchesReference(out, FullMarginSoftmax(features, weight, labels, margin));
}

TEST(DistLoss, StaysFiniteAndExactWithLargeLogits) {
  torch::manual_seed(42);
  const int64_t classes = 10, dim = 8;
  torch::Tensor weight = FullWeight(classes, dim);
  torch::Tensor labels = torch::arange(8, torch::kInt64);
  // Features on the centre of the NEXT class: cos ~ 1 on a wrong class, so
  // s * cos is huge (exp overflows fp32 without the max shift) and so is the loss.
  torch::Tensor wrong = weight.index_select(0, (labels + 1) % classes) * 50;
  for (double scale : {64.0, 1000.0}) {
    const MarginOptions margin = MakeMarginOptions(MarginKind::kArcFace, 0.5, scale);
    auto out = RunSharded(2, wrong, labels, classes, EvenOffsets(2, 4), LossOptions{margin});
    for (const RankOutput& o : out) {
      EXPECT_TRUE(std::isfinite(o.loss));
      EXPECT_TRUE(torch::isfinite(o.feature_grad).all().item<bool>());
      EXPECT_TRUE(torch::isfinite(o.weight_grad).all().item<bool>());
    }
    ExpectMatchesReference(out, FullMarginSoftmax(wrong, weight, labels, margin));
  }
  // On the right centres the loss is ~0 at s = 1000 (relative error is
  // meaningless there: fp32 resolves log(1 + tiny) only to ~1e-7).
  torch::Tensor right = weight.index_select(0, labels) * 50;
  const MarginOptions none = MakeMarginOptions(MarginKind::kSoftmax, 0, 1000);
  auto out = RunSharded(2, right, labels, classes, EvenOffsets(2, 4), LossOptions{none});
  EXPECT_TRUE(std::isfinite(out[0].loss));
  EXPECT_NEAR(out[0].loss, 0.0, 1e-5);
}

TEST(DistLoss, MarginLandsOnlyOnTheShardOwningTheLabel) {
  torch::manual_seed(42);
  const int world = 3;
  const int64_t classes = 7, dim = 8, n = 6;
  torch::Tensor x = F::normalize(torch::randn({n, dim}), F::NormalizeFuncOptions().dim(1));
  torch::Tensor labels = torch::tensor({0, 2, 3, 5, 6, 6}, torch::kInt64);
  const MarginOptions arc = MakeMarginOptions(MarginKind::kArcFace, 0.5, 10);
  const MarginOptions none = MakeMarginOptions(MarginKind::kSoftmax, 0, 10);
  const Reference ref = FullMarginSoftmax(x, FullWeight(classes, dim), labels, arc);
  std::vector<torch::Tensor> pieces;
  for (int r = 0; r < world; ++r) {
    auto c = ShardedClassifier::Create(classes, dim, world, r, {}, kInitSeed);
    torch::Tensor with = ShardMarginLogits(x, labels, *c, arc);
    torch::Tensor without = ShardMarginLogits(x, labels, *c, none);
    torch::Tensor changed = (with - without).abs() > 1e-6;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < c->range().size(); ++j) {
        const bool is_target = labels[i].item<int64_t>() == c->range().begin + j;
        EXPECT_EQ(changed[i][j].item<bool>(), is_target) << "rank " << r << " row " << i;
      }
    }
    pieces.push_back(with);
  }
  EXPECT_TRUE(CloseRelative(torch::cat(pieces, 1), ref.logits, kTol));
}

TEST(DistLoss, SampleRatioOneEqualsFullAndTouchesEveryRow) {
  torch::manual_seed(42);
  const int64_t classes = 11, dim = 8;
  torch::Tensor features = torch::randn({8, dim});
  torch::Tensor labels = torch::randint(classes, {8}, torch::kInt64);
  const MarginOptions margin = MakeMarginOptions(MarginKind::kArcFace, 0.5, 64);
  LossOptions sampled{margin, 1.0, 99};
  auto out = RunSharded(2, features, labels, classes, EvenOffsets(2, 4), sampled);
  EXPECT_EQ(out[0].touched.numel() + out[1].touched.numel(), classes);
  ExpectMatchesReference(out, FullMarginSoftmax(features, FullWeight(classes, dim), labels, margin));
}

TEST(DistLoss, PartialFcKeepsAllPositivesAndIsExactOnTheSampledClasses) {
  torch::manual_seed(42);
  const int world = 2;
  const int64_t classes = 40, dim = 8;
  torch::Tensor features = torch::randn({8, dim});
  torch::Tensor labels = torch::tensor({1, 1, 5, 22, 30, 31, 39, 12}, torch::kInt64);
  const MarginOptions margin = MakeMarginOptions(MarginKind::kArcFace, 0.5, 32);
  LossOptions options{margin, 0.25, 1234};
  auto out = RunSharded(world, features, labels, classes, EvenOffsets(world, 4), options, 3);

  std::set<int64_t> touched;
  for (const RankOutput& o : out) {
    EXPECT_EQ(o.touched.numel(), 5);  // ceil(0.25 * 20) >= the 3 and 4 positives owned
    for (int64_t i = 0; i < o.touched.numel(); ++i) touched.insert(o.touched[i].item<int64_t>());
  }
  for (int64_t i = 0; i < labels.numel(); ++i) EXPECT_TRUE(touched.count(labels[i].item<int64_t>()));

  // Reference: the full softmax over the sampled classes only.
  torch::Tensor ids = torch::tensor(std::vector<int64_t>(touched.begin(), touched.end()));
  torch::Tensor position = torch::full({classes}, -1, torch::kInt64);
  position.index_put_({ids}, torch::arange(ids.numel()));
  const Reference ref = FullMarginSoftmax(features, FullWeight(classes, dim).index_select(0, ids),
                                          position.index_select(0, labels), margin);
  EXPECT_NEAR(out[0].loss, ref.loss, kTol * ref.loss);
  EXPECT_TRUE(CloseRelative(torch::cat({out[0].feature_grad, out[1].feature_grad}), ref.feature_grad, kTol));
  torch::Tensor full_grad = torch::cat({out[0].weight_grad, out[1].weight_grad});
  EXPECT_TRUE(CloseRelative(full_grad.index_select(0, ids), ref.weight_grad, kTol));
  // Unsampled rows get exactly zero gradient.
  torch::Tensor unsampled = (position < 0).nonzero().flatten();
  EXPECT_EQ(full_grad.index_select(0, unsampled).abs().max().item<float>(), 0.0f);

  // The same (seed, step) samples the same classes; another step others.
  auto again = RunSharded(world, features, labels, classes, EvenOffsets(world, 4), options, 3);
  EXPECT_TRUE(torch::equal(again[0].touched, out[0].touched));
  auto later = RunSharded(world, features, labels, classes, EvenOffsets(world, 4), options, 4);
  EXPECT_FALSE(torch::equal(later[0].touched, out[0].touched) &&
               torch::equal(later[1].touched, out[1].touched));
}

TEST(DistLoss, PredictTop1MatchesArgmaxOfFullCosines) {
  torch::manual_seed(42);
  const int world = 3;
  const int64_t classes = 17, dim = 8;
  torch::Tensor features = torch::randn({9, dim});
  torch::Tensor expected =
      F::normalize(features, F::NormalizeFuncOptions().dim(1))
          .mm(F::normalize(FullWeight(classes, dim), F::NormalizeFuncOptions().dim(1)).t())
          .argmax(1);
  std::vector<torch::Tensor> predicted(world);
  RunRanks(world, [&](Communicator& comm) {
    auto c = ShardedClassifier::Create(classes, dim, world, comm.rank(), {}, kInitSeed);
    auto p = PredictTop1(comm, *c, features.narrow(0, 3 * comm.rank(), 3));
    ASSERT_TRUE(p.ok()) << p.status().message();
    predicted[comm.rank()] = *p;
  });
  EXPECT_TRUE(torch::equal(torch::cat(predicted), expected));
}

TEST(DistLoss, RejectsOutOfRangeOptionsAndLabels) {
  torch::manual_seed(42);
  auto comm = MakeSingleRankCommunicator();
  auto c = ShardedClassifier::Create(5, 4, 1, 0, {}, kInitSeed);
  torch::Tensor f = torch::randn({2, 4}, torch::requires_grad());
  LossOptions bad_ratio{MakeMarginOptions(MarginKind::kArcFace, 0.5, 64), 0.0};
  EXPECT_EQ(MarginSoftmaxForwardBackward(*comm, *c, f, torch::tensor({0, 1}), bad_ratio, 0).status().field(),
            "sample_ratio");
  LossOptions bad_margin{MakeMarginOptions(MarginKind::kArcFace, 4.0, 64)};
  EXPECT_EQ(ValidateLossOptions(bad_margin).field(), "margin");
  LossOptions bad_scale{MakeMarginOptions(MarginKind::kCosFace, 0.3, -1)};
  EXPECT_EQ(ValidateLossOptions(bad_scale).field(), "scale");
  LossOptions ok{MakeMarginOptions(MarginKind::kCosFace, 0.3, 30)};
  auto r = MarginSoftmaxForwardBackward(*comm, *c, f, torch::tensor({0, 5}), ok, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("label outside [0, 5)"), std::string::npos);
  EXPECT_FALSE(ParseMarginKind("sphereface").ok());
  EXPECT_EQ(*ParseMarginKind("cosface"), MarginKind::kCosFace);
}

}  // namespace
}  // namespace autotune::trainer
