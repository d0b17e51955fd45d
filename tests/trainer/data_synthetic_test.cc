// The synthetic many-class generator and the per-rank sample order.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

#include "trainer/data/sampler.h"
#include "trainer/data/synthetic.h"

namespace autotune::trainer {
namespace {

std::vector<float> Samples(const Dataset& ds, Split split, const std::vector<std::int64_t>& idx,
                           std::vector<std::int64_t>* labels) {
  std::vector<float> x(idx.size() * static_cast<std::size_t>(NumElements(ds.sample_shape())));
  labels->resize(idx.size());
  EXPECT_TRUE(ds.Fill(split, idx, x.data(), labels->data()).ok());
  return x;
}

TEST(SyntheticData, ASampleDependsOnlyOnSeedSplitAndGlobalIndex) {
  SyntheticOptions o;
  o.num_classes = 50;
  o.dim = 6;
  o.train_size = 1000;
  o.seed = 3;
  auto whole = OpenSynthetic(o, 0, 1);
  auto rank2 = OpenSynthetic(o, 2, 3);
  ASSERT_TRUE(whole.ok() && rank2.ok());
  std::vector<std::int64_t> la, lb;
  // Rank 2 of 3 holds global samples 2, 5, 8, ...: its positions 0 and 4 are 2 and 14.
  const auto a = Samples(**whole, Split::kTrain, {2, 14}, &la);
  const auto b = Samples(**rank2, Split::kTrain, {0, 4}, &lb);
  EXPECT_EQ(a, b);
  EXPECT_EQ(la, lb);
  EXPECT_EQ(la[0], SyntheticLabel(o, Split::kTrain, 2));
  EXPECT_EQ((*rank2)->LocalSize(Split::kTrain), 333);
  EXPECT_EQ((*rank2)->EpochSize(), 333);
  EXPECT_FALSE((*rank2)->NeedsShuffle());

  auto again = OpenSynthetic(o, 0, 1);
  std::vector<std::int64_t> lc;
  EXPECT_EQ(Samples(**again, Split::kTrain, {2, 14}, &lc), a);
  o.seed = 4;
  auto other = OpenSynthetic(o, 0, 1);
  EXPECT_NE(Samples(**other, Split::kTrain, {2, 14}, &lc), a);
  // The held-out split draws other samples than training.
  EXPECT_NE(Samples(**whole, Split::kVal, {2, 14}, &lc), a);
}

TEST(SyntheticData, SamplesClusterAroundTheirClassCentre) {
  SyntheticOptions o;
  o.num_classes = 4;
  o.dim = 32;
  o.noise = 0.2;
  auto ds = OpenSynthetic(o, 0, 1);
  ASSERT_TRUE(ds.ok());
  std::vector<std::int64_t> idx(200);
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<std::int64_t> labels;
  const auto x = Samples(**ds, Split::kTrain, idx, &labels);
  const auto dist = [&](std::size_t i, std::size_t j) {
    double d = 0;
    for (std::size_t k = 0; k < 32; ++k) d += std::pow(x[i * 32 + k] - x[j * 32 + k], 2);
    return std::sqrt(d);
  };
  double same = 0, different = 0;
  int n_same = 0, n_different = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    for (std::size_t j = i + 1; j < 40; ++j) {
      if (labels[i] == labels[j]) {
        same += dist(i, j);
        ++n_same;
      } else {
        different += dist(i, j);
        ++n_different;
      }
    }
  }
  ASSERT_GT(n_same, 0);
  ASSERT_GT(n_different, 0);
  EXPECT_LT(same / n_same * 3, different / n_different);
  std::set<std::int64_t> classes(labels.begin(), labels.end());
  EXPECT_EQ(classes.size(), 4u);
}

TEST(SyntheticData, MillionsOfClassesNeedNoMemoryAndOptionsAreChecked) {
  SyntheticOptions o;
  o.num_classes = 5'000'000;
  o.train_size = std::int64_t{1} << 40;
  auto ds = OpenSynthetic(o, 1, 2);
  ASSERT_TRUE(ds.ok());
  std::vector<std::int64_t> labels;
  Samples(**ds, Split::kTrain, {(std::int64_t{1} << 39) - 1}, &labels);
  EXPECT_GE(labels[0], 0);
  EXPECT_LT(labels[0], 5'000'000);
  for (auto bad : {SyntheticOptions{0}, SyntheticOptions{10, 0}, SyntheticOptions{10, 4, 1}}) {
    EXPECT_EQ(OpenSynthetic(bad, 0, 2).status().code(), Status::Code::kInvalidArgument);
  }
}

TEST(ShardSampler, AnEpochVisitsEverySampleOnceInASeededOrder) {
  SyntheticOptions so;
  so.train_size = 20;
  auto synthetic = OpenSynthetic(so, 0, 1);
  // Synthetic samples are independent draws: visited in index order.
  ShardSampler plain(**synthetic, 1, 0, 5);
  EXPECT_EQ(plain.Next(), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));

  // A shuffled source: a small IDX-like share is emulated by a data set
  // wrapper that asks for shuffling.
  class Shuffled : public Dataset {
   public:
    std::string Describe() const override { return "shuffled"; }
    std::int64_t num_classes() const override { return 2; }
    SampleShape sample_shape() const override { return {1}; }
    std::int64_t LocalSize(Split) const override { return 11; }
    std::int64_t GlobalSize(Split) const override { return 21; }
    std::int64_t EpochSize() const override { return 10; }
    Status Fill(Split, std::span<const std::int64_t>, float*, std::int64_t*) const override { return {}; }
  } data;
  ShardSampler s(data, 7, 0, 3);
  std::set<std::int64_t> epoch0;
  for (int b = 0; b < 3; ++b) {
    for (std::int64_t i : s.Next()) epoch0.insert(i);
  }
  EXPECT_EQ(epoch0.size(), 9u);  // 3 batches of 3; the 10th sample is dropped with the tail
  EXPECT_EQ(s.position(), (DataPosition{0, 9}));
  const auto first_of_epoch1 = s.Next();
  EXPECT_EQ(s.position(), (DataPosition{1, 3}));
  // Rebuilt at a saved position, a sampler continues the same sequence.
  ShardSampler resumed(data, 7, 0, 3, DataPosition{0, 9});
  EXPECT_EQ(resumed.Next(), first_of_epoch1);
  ShardSampler fresh(data, 7, 0, 3);
  ShardSampler other_rank(data, 7, 1, 3);
  ShardSampler other_seed(data, 8, 0, 3);
  const auto f = fresh.Next();
  EXPECT_NE(f, other_rank.Next());
  EXPECT_NE(f, other_seed.Next());
  EXPECT_NE(f, first_of_epoch1);  // each epoch has its own order
}

}  // namespace
}  // namespace autotune::trainer
