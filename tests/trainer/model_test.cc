// Backbones, class sharding, and the shard's own optimiser.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tests/trainer/test_util.h"
#include "trainer/model/backbone.h"
#include "trainer/model/sharded_classifier.h"

namespace autotune::trainer {
namespace {

using testing::CloseRelative;

void ExpectUnitRows(const torch::Tensor& e, int64_t rows, int64_t dim) {
  ASSERT_EQ(e.sizes(), torch::IntArrayRef({rows, dim}));
  EXPECT_TRUE(CloseRelative(e.norm(2, 1), torch::ones({rows}), 1e-5));
}

TEST(Backbone, EveryKindEmitsUnitNormEmbeddingsAndLearns) {
  torch::manual_seed(1);
  struct Kind {
    BackboneOptions options;
    torch::Tensor input;
  };
  BackboneOptions cnn{BackboneKind::kCnn, 24, 1, 28, 0, 4};
  BackboneOptions resnet{BackboneKind::kResNet, 16, 3, 16, 0, 4};
  BackboneOptions mlp{BackboneKind::kMlp, 12, 1, 28, 20, 4};
  for (const Kind& k : {Kind{cnn, torch::randn({4, 1, 28, 28})}, Kind{resnet, torch::randn({4, 3, 16, 16})},
                        Kind{mlp, torch::randn({4, 20})}}) {
    auto backbone = MakeBackbone(k.options);
    ASSERT_TRUE(backbone.ok()) << backbone.status().message();
    torch::Tensor e = (*backbone)->forward(k.input);
    ExpectUnitRows(e, 4, k.options.embedding_size);
    // Gradients reach the first layer.
    e.select(1, 0).sum().backward();
    auto params = (*backbone)->parameters();
    ASSERT_FALSE(params.empty());
    EXPECT_TRUE(params.front().grad().defined());
    EXPECT_GT(params.front().grad().abs().sum().item<float>(), 0.0f);
    (*backbone)->eval();
    ExpectUnitRows((*backbone)->forward(k.input), 4, k.options.embedding_size);
  }
}

TEST(Backbone, RejectsOptionsItCannotBuild) {
  EXPECT_EQ(MakeBackbone({BackboneKind::kCnn, 128, 1, 32, 0, 8}).status().field(), "image_size");
  EXPECT_EQ(MakeBackbone({BackboneKind::kMlp, 128, 1, 28, 0, 8}).status().field(), "input_dim");
  EXPECT_EQ(MakeBackbone({BackboneKind::kResNet, 1, 3, 32, 0, 8}).status().field(), "embedding_size");
  EXPECT_EQ(*ParseBackboneKind("resnet"), BackboneKind::kResNet);
  EXPECT_FALSE(ParseBackboneKind("vit").ok());
  EXPECT_EQ(DescribeBackbone({BackboneKind::kCnn, 128, 1, 28, 0, 32}),
            "cnn(embedding 128, 1x28x28, width 32)");
}

TEST(ShardRange, SlicesAreContiguousBalancedAndCoverEveryClass) {
  for (int64_t classes : {1, 3, 10, 11, 1000003}) {
    for (int world : {1, 2, 3, 4, 7}) {
      int64_t next = 0, smallest = classes, largest = 0;
      for (int r = 0; r < world; ++r) {
        const ClassRange range = ShardRange(classes, world, r);
        EXPECT_EQ(range.begin, next);
        next = range.end;
        smallest = std::min(smallest, range.size());
        largest = std::max(largest, range.size());
      }
      EXPECT_EQ(next, classes);
      EXPECT_LE(largest - smallest, 1) << classes << " classes over " << world;
    }
  }
}

TEST(ShardedClassifier, InitialWeightsDoNotDependOnTheWorldSize) {
  const int64_t classes = 9000, dim = 4;  // spans several init blocks
  torch::Tensor full = ShardedClassifier::Create(classes, dim, 1, 0, {}, 3)->weight();
  for (int world : {2, 3}) {
    std::vector<torch::Tensor> shards;
    for (int r = 0; r < world; ++r) {
      shards.push_back(ShardedClassifier::Create(classes, dim, world, r, {}, 3)->weight());
    }
    EXPECT_TRUE(torch::equal(torch::cat(shards), full));
  }
  EXPECT_FALSE(torch::equal(ShardedClassifier::Create(classes, dim, 1, 0, {}, 4)->weight(), full));
}

// Runs three steps of the shard optimiser and of torch::optim on the same
// weight and gradients.
void ExpectMatchesTorchOptim(torch::optim::Optimizer& reference, torch::Tensor& ref_weight,
                             ShardedClassifier& c) {
  for (int step = 0; step < 3; ++step) {
    torch::Tensor g = torch::randn(c.weight().sizes());
    c.grad().copy_(g);
    c.set_touched_rows({});
    c.Step();
    ref_weight.mutable_grad() = g.clone();
    reference.step();
    EXPECT_TRUE(CloseRelative(c.weight(), ref_weight, 1e-5)) << "step " << step;
    EXPECT_EQ(c.grad().abs().sum().item<float>(), 0.0f);
  }
  EXPECT_EQ(c.optimizer_steps(), 3);
}

TEST(ShardedClassifier, DenseStepMatchesTorchSgdAndAdamW) {
  torch::manual_seed(2);
  ShardOptimizerOptions sgd;
  sgd.lr = 0.05;
  sgd.momentum = 0.9;
  sgd.weight_decay = 1e-3;
  auto c = ShardedClassifier::Create(10, 6, 2, 1, sgd, 5);
  ASSERT_TRUE(c.ok());
  torch::Tensor w = c->weight().clone().requires_grad_(true);
  torch::optim::SGD ref({w}, torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(1e-3));
  ExpectMatchesTorchOptim(ref, w, *c);

  ShardOptimizerOptions adamw;
  adamw.kind = ShardOptimizerOptions::Kind::kAdamW;
  adamw.lr = 0.01;
  adamw.weight_decay = 0.05;
  auto a = ShardedClassifier::Create(10, 6, 1, 0, adamw, 5);
  ASSERT_TRUE(a.ok());
  torch::Tensor wa = a->weight().clone().requires_grad_(true);
  torch::optim::AdamW ref_a({wa}, torch::optim::AdamWOptions(0.01).weight_decay(0.05));
  ExpectMatchesTorchOptim(ref_a, wa, *a);
}

TEST(ShardedClassifier, SparseStepLeavesUntouchedRowsAndTheirMomentumAlone) {
  for (auto kind : {ShardOptimizerOptions::Kind::kSgd, ShardOptimizerOptions::Kind::kAdamW}) {
    ShardOptimizerOptions o;
    o.kind = kind;
    o.weight_decay = 0.1;  // decay would move every row if applied densely
    auto c = ShardedClassifier::Create(8, 4, 1, 0, o, 5);
    ASSERT_TRUE(c.ok());
    c->grad().copy_(torch::randn({8, 4}));
    c->Step();  // dense: every row now has optimiser state
    torch::Tensor weight_before = c->weight().clone();
    std::map<std::string, torch::Tensor> slots_before;
    for (const auto& [name, slot] : c->slots()) slots_before[name] = slot.clone();

    torch::Tensor touched = torch::tensor({1, 5}, torch::kInt64);
    c->grad().zero_();
    c->grad().index_copy_(0, touched, torch::randn({2, 4}));
    c->set_touched_rows(touched);
    c->Step();
    torch::Tensor untouched = torch::tensor({0, 2, 3, 4, 6, 7}, torch::kInt64);
    EXPECT_TRUE(
        torch::equal(c->weight().index_select(0, untouched), weight_before.index_select(0, untouched)));
    EXPECT_FALSE(torch::equal(c->weight().index_select(0, touched), weight_before.index_select(0, touched)));
    for (const auto& [name, slot] : c->slots()) {
      EXPECT_TRUE(
          torch::equal(slot.index_select(0, untouched), slots_before[name].index_select(0, untouched)))
          << name;
    }
  }
}

TEST(ShardedClassifier, RejectsBadArguments) {
  EXPECT_FALSE(ShardedClassifier::Create(0, 4, 1, 0, {}, 1).ok());
  EXPECT_FALSE(ShardedClassifier::Create(4, 4, 2, 2, {}, 1).ok());
  ShardOptimizerOptions bad;
  bad.lr = -1;
  EXPECT_EQ(ShardedClassifier::Create(4, 4, 1, 0, bad, 1).status().field(), "lr");
  bad = {};
  bad.momentum = 1.0;
  EXPECT_EQ(ValidateShardOptimizerOptions(bad).field(), "momentum");
  EXPECT_EQ(*ParseShardOptimizerKind("adamw"), ShardOptimizerOptions::Kind::kAdamW);
  EXPECT_FALSE(ParseShardOptimizerKind("lamb").ok());
  // A rank may own no class at all when classes < world.
  auto empty = ShardedClassifier::Create(2, 4, 3, 2, {}, 1);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->weight().size(0), 0);
  empty->Step();
}

}  // namespace
}  // namespace autotune::trainer
