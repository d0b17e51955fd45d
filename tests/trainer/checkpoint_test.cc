// Checkpoints: the directory format, re-sharding between world sizes, and
// clear errors for incomplete, corrupt or incompatible checkpoints.
#include "trainer/checkpoint/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/trainer/test_util.h"
#include "trainer/model/margin_softmax.h"

namespace autotune::trainer {
namespace {

namespace fs = std::filesystem;
using testing::RunRanks;

constexpr int64_t kClasses = 23;  // divisible by none of 2, 3, 4
constexpr int64_t kDim = 8;
const BackboneOptions kMlp{BackboneKind::kMlp, kDim, 1, 28, 5, 2};

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(11);
    root_ = fs::path(AUTOTUNE_BINARY_DIR) / "checkpoint_test" /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    fs::create_directories(root_);
    backbone_ = *MakeBackbone(kMlp);
  }

  // Trains the classifier one SGD step at world `world` with a fixed gradient
  // (so weights and momentum are not the initial ones) and saves it. Returns
  // the full weight and momentum matrices.
  std::pair<torch::Tensor, torch::Tensor> SaveAt(int world, const std::string& dir, int64_t step = 42) {
    torch::Tensor grad = torch::randn({kClasses, kDim});
    std::vector<torch::Tensor> weights(world), momenta(world);
    RunRanks(world, [&](Communicator& comm) {
      auto c = ShardedClassifier::Create(kClasses, kDim, world, comm.rank(), {}, 1);
      ASSERT_TRUE(c.ok());
      c->grad().copy_(grad.narrow(0, c->range().begin, c->range().size()));
      c->Step();
      CheckpointManifest m;
      m.step = step;
      m.params = {{"lr", 0.1}, {"loss", "arcface"}};
      m.data_position = {{"epoch", 2}, {"offset", 640}};
      m.rng_state = {{"seed", 9}};
      Status s = SaveCheckpoint(comm, dir, m, *backbone_, nullptr, *c);
      ASSERT_TRUE(s.ok()) << s.message();
      weights[comm.rank()] = c->weight().clone();
      momenta[comm.rank()] = c->slots().at("momentum").clone();
    });
    return {torch::cat(weights), torch::cat(momenta)};
  }

  // Loads `dir` into `world` fresh shards (initialised from another seed).
  std::vector<ShardedClassifier> LoadAt(int world, const std::string& dir) {
    std::vector<ShardedClassifier> shards;
    for (int r = 0; r < world; ++r) {
      auto c = ShardedClassifier::Create(kClasses, kDim, world, r, {}, 99);
      auto backbone = *MakeBackbone(kMlp);
      auto m = LoadCheckpoint(dir, {}, *backbone, nullptr, &*c);
      EXPECT_TRUE(m.ok()) << m.status().message();
      shards.push_back(std::move(*c));
    }
    return shards;
  }

  fs::path root_;
  std::shared_ptr<BackboneImpl> backbone_;
};

torch::Tensor Logits(const std::vector<ShardedClassifier>& shards, const torch::Tensor& x,
                     const torch::Tensor& labels) {
  std::vector<torch::Tensor> pieces;
  for (const auto& c : shards) {
    pieces.push_back(ShardMarginLogits(x, labels, c, MakeMarginOptions(MarginKind::kArcFace, 0.5, 64)));
  }
  return torch::cat(pieces, 1);
}

TEST_F(CheckpointTest, ReshardingBetweenOneTwoAndFourRanksKeepsLogitsAndMomentum) {
  torch::Tensor x = torch::nn::functional::normalize(torch::randn({6, kDim}),
                                                     torch::nn::functional::NormalizeFuncOptions().dim(1));
  torch::Tensor labels = torch::randint(kClasses, {6}, torch::kInt64);
  for (auto [from, to] :
       std::vector<std::pair<int, int>>{{1, 2}, {2, 4}, {4, 2}, {2, 1}, {1, 4}, {4, 1}, {3, 2}}) {
    const std::string dir = (root_ / ("w" + std::to_string(from) + "to" + std::to_string(to))).string();
    auto [weight, momentum] = SaveAt(from, dir);
    ASSERT_GT(momentum.abs().sum().item<float>(), 0.0f);
    std::vector<ShardedClassifier> loaded = LoadAt(to, dir);
    std::vector<torch::Tensor> w, mom;
    for (const auto& c : loaded) {
      w.push_back(c.weight());
      mom.push_back(c.slots().at("momentum"));
      EXPECT_EQ(c.optimizer_steps(), 1);
    }
    EXPECT_TRUE(torch::equal(torch::cat(w), weight)) << from << " -> " << to;
    EXPECT_TRUE(torch::equal(torch::cat(mom), momentum)) << from << " -> " << to;
    std::vector<ShardedClassifier> original = LoadAt(from, dir);
    // The weights are bit-identical (above); logits computed from shards of
    // other sizes may round differently in the last bit (the matrix product
    // blocks differently), so they are compared to fp32 precision (s = 64).
    EXPECT_TRUE(torch::allclose(Logits(loaded, x, labels), Logits(original, x, labels), 1e-5, 1e-4))
        << from << " -> " << to;
  }
}

TEST_F(CheckpointTest, WritesTheDirectoryFormatWithCompleteLastAndTheManifestRoundTrips) {
  const std::string dir = (root_ / "ckpt").string();
  SaveAt(2, dir, 77);
  for (const char* f :
       {"manifest.json", "backbone.pt", "shard-00000-of-00002.pt", "shard-00001-of-00002.pt", "COMPLETE"}) {
    EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f;
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
  auto m = ReadCheckpointManifest(dir);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->step, 77);
  EXPECT_EQ(m->num_classes, kClasses);
  EXPECT_EQ(m->embedding_size, kDim);
  EXPECT_EQ(m->world_size, 2);
  EXPECT_EQ(m->backbone, kMlp);
  EXPECT_EQ(m->shard_optimizer, "sgd");
  EXPECT_EQ(m->params.at("loss"), "arcface");
  EXPECT_EQ(m->data_position.at("offset"), 640);
  EXPECT_EQ(m->rng_state.at("seed"), 9);
}

TEST_F(CheckpointTest, BackboneAndItsOptimizerRoundTrip) {
  const std::string dir = (root_ / "bb").string();
  torch::optim::SGD opt(backbone_->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  torch::Tensor input = torch::randn({4, 5});
  backbone_->forward(input).sum().backward();
  opt.step();
  auto comm = MakeSingleRankCommunicator();
  auto c = ShardedClassifier::Create(kClasses, kDim, 1, 0, {}, 1);
  ASSERT_TRUE(SaveCheckpoint(*comm, dir, {}, *backbone_, &opt, *c).ok());

  auto restored = *MakeBackbone(kMlp);
  torch::optim::SGD restored_opt(restored->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  auto m = LoadCheckpoint(dir, {}, *restored, &restored_opt, &*c);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->has_backbone_optimizer);
  backbone_->eval();
  restored->eval();
  EXPECT_TRUE(torch::equal(backbone_->forward(input), restored->forward(input)));
  // The momentum buffers came back: one more identical step stays identical.
  for (auto* o :
       {static_cast<torch::optim::Optimizer*>(&opt), static_cast<torch::optim::Optimizer*>(&restored_opt)}) {
    o->zero_grad();
  }
  backbone_->train();
  restored->train();
  backbone_->forward(input).sum().backward();
  restored->forward(input).sum().backward();
  opt.step();
  restored_opt.step();
  backbone_->eval();
  restored->eval();
  EXPECT_TRUE(torch::allclose(backbone_->forward(input), restored->forward(input)));
}

TEST_F(CheckpointTest, IncompatibleModelsAreRejectedWithAClearMessage) {
  const std::string dir = (root_ / "ckpt").string();
  SaveAt(1, dir);
  auto classifier = ShardedClassifier::Create(kClasses, kDim, 1, 0, {}, 1);

  BackboneOptions wider = kMlp;
  wider.width = 3;
  auto other = *MakeBackbone(wider);
  auto r = LoadCheckpoint(dir, {}, *other, nullptr, &*classifier);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("written for backbone mlp"), std::string::npos) << r.status().message();

  auto same = *MakeBackbone(kMlp);
  auto more_classes = ShardedClassifier::Create(kClasses + 1, kDim, 1, 0, {}, 1);
  r = LoadCheckpoint(dir, {}, *same, nullptr, &*more_classes);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("23 classes"), std::string::npos) << r.status().message();
  // Backbone only (fine-tuning onto new classes) is fine.
  EXPECT_TRUE(LoadCheckpoint(dir, {.load_classifier = false}, *same, nullptr, nullptr).ok());

  // An optimiser requested from a checkpoint that has none.
  torch::optim::SGD opt(same->parameters(), torch::optim::SGDOptions(0.1));
  EXPECT_EQ(LoadCheckpoint(dir, {}, *same, &opt, &*classifier).status().code(),
            Status::Code::kFailedPrecondition);
}

TEST_F(CheckpointTest, IncompleteOrCorruptCheckpointsAreErrorsNamingTheProblem) {
  auto backbone = *MakeBackbone(kMlp);
  auto classifier = ShardedClassifier::Create(kClasses, kDim, 1, 0, {}, 1);
  auto load = [&](const std::string& dir) {
    return LoadCheckpoint(dir, {}, *backbone, nullptr, &*classifier).status();
  };
  EXPECT_EQ(load((root_ / "missing").string()).code(), Status::Code::kNotFound);

  const fs::path dir = root_ / "ckpt";
  SaveAt(2, dir.string());
  ASSERT_TRUE(load(dir.string()).ok());

  fs::remove(dir / "COMPLETE");
  Status s = load(dir.string());
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("incomplete"), std::string::npos);

  std::ofstream(dir / "COMPLETE").close();
  {
    std::ofstream shard(dir / "shard-00001-of-00002.pt", std::ios::trunc);
    shard << "not a tensor archive";
  }
  s = load(dir.string());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("shard-00001-of-00002.pt"), std::string::npos) << s.message();

  std::ofstream(dir / "manifest.json", std::ios::trunc) << "{\"format_version\": 1, ";
  s = load(dir.string());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("corrupt manifest.json"), std::string::npos) << s.message();

  std::ofstream(dir / "manifest.json", std::ios::trunc) << "{\"format_version\": 9}";
  s = load(dir.string());
  EXPECT_NE(s.message().find("unsupported format version 9"), std::string::npos) << s.message();
}

TEST_F(CheckpointTest, SavingOverAnOldCheckpointReplacesItAtomically) {
  const std::string dir = (root_ / "ckpt").string();
  SaveAt(2, dir, 1);
  auto [weight, momentum] = SaveAt(2, dir, 2);
  EXPECT_EQ(ReadCheckpointManifest(dir)->step, 2);
  std::vector<ShardedClassifier> loaded = LoadAt(1, dir);
  EXPECT_TRUE(torch::equal(loaded[0].weight(), weight));
}

}  // namespace
}  // namespace autotune::trainer
