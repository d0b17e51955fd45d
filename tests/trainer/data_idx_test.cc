// IDX parsing and the Fashion-MNIST data set: small generated files, corrupt
// files, and the real Debian files when they are installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "trainer/data/fashion_mnist.h"
#include "trainer/data/idx.h"

namespace autotune::trainer {
namespace {

namespace fs = std::filesystem;

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("idx_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes `bytes` as a file, unchanged.
  void WriteRaw(const std::string& name, const std::vector<std::uint8_t>& bytes) const {
    std::ofstream out(Path(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }

  // A Fashion-MNIST-shaped directory with n training and m test images of
  // 28x28 whose pixels encode (index, label).
  void WriteFashionLike(std::int64_t n, std::int64_t m) const {
    for (const auto& [prefix, count] : {std::pair{"train", n}, std::pair{"t10k", m}}) {
      std::vector<std::uint8_t> images(static_cast<std::size_t>(count * 784));
      std::vector<std::uint8_t> labels(static_cast<std::size_t>(count));
      for (std::int64_t i = 0; i < count; ++i) {
        labels[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i % 10);
        std::fill_n(images.begin() + i * 784, 784, static_cast<std::uint8_t>(i * 7 % 256));
      }
      ASSERT_TRUE(
          WriteIdx(Path(std::string(prefix) + "-images-idx3-ubyte.gz"), {count, 28, 28}, images).ok());
      ASSERT_TRUE(WriteIdx(Path(std::string(prefix) + "-labels-idx1-ubyte"), {count}, labels).ok());
    }
  }

  fs::path dir_;
};

TEST_F(IdxTest, GzipAndPlainFilesRoundTripAndEachRankKeepsEveryWorldthRow) {
  std::vector<std::uint8_t> data(5 * 6);
  std::iota(data.begin(), data.end(), 0);
  for (const std::string name : {"a.idx", "a.idx.gz"}) {
    ASSERT_TRUE(WriteIdx(Path(name), {5, 2, 3}, data).ok());
    auto whole = ReadIdxShare(Path(name), 0, 1);
    ASSERT_TRUE(whole.ok()) << whole.status().message();
    EXPECT_EQ(whole->dims, (std::vector<std::int64_t>{5, 2, 3}));
    EXPECT_EQ(whole->row_size, 6);
    EXPECT_EQ(whole->data, data);
    auto share = ReadIdxShare(Path(name), 1, 2);
    ASSERT_TRUE(share.ok());
    ASSERT_EQ(share->rows(), 2);  // rows 1 and 3
    EXPECT_EQ(share->data[0], 6);
    EXPECT_EQ(share->data[6], 18);
  }
}

TEST_F(IdxTest, CorruptFilesAreErrorsNamingTheFileAndTheProblem) {
  const std::vector<std::uint8_t> good = {0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9};
  WriteRaw("good.idx", good);
  EXPECT_TRUE(ReadIdxShare(Path("good.idx"), 0, 1).ok());

  const struct {
    const char* name;
    std::vector<std::uint8_t> bytes;
    const char* problem;
  } cases[] = {
      {"magic.idx", {1, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9}, "magic"},
      {"type.idx", {0, 0, 13, 1, 0, 0, 0, 3, 7, 8, 9}, "unsigned byte"},
      {"rank.idx", {0, 0, 8, 9, 0, 0, 0, 3}, "rank"},
      {"short.idx", {0, 0, 8, 1, 0, 0, 0, 3, 7, 8}, "truncated"},
      {"long.idx", {0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9, 10}, "trailing"},
      {"header.idx", {0, 0}, "truncated"},
  };
  for (const auto& c : cases) {
    WriteRaw(c.name, c.bytes);
    auto r = ReadIdxShare(Path(c.name), 0, 1);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << c.name;
    EXPECT_NE(r.status().message().find(Path(c.name)), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(c.problem), std::string::npos) << r.status().message();
  }
  // A damaged gzip stream is an error too, not garbage data.
  std::vector<std::uint8_t> big(200000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 31 % 251);
  ASSERT_TRUE(WriteIdx(Path("damaged.idx.gz"), {200000}, big).ok());
  std::fstream f(Path("damaged.idx.gz"), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(200);
  f.write("\xff\x00\xff\x00\xff\x00\xff\x00", 8);
  f.close();
  EXPECT_FALSE(ReadIdxShare(Path("damaged.idx.gz"), 0, 1).ok());
  EXPECT_EQ(ReadIdxShare(Path("absent.idx"), 0, 1).status().code(), Status::Code::kNotFound);
}

TEST_F(IdxTest, MissingFashionMnistNamesTheDebianPackage) {
  for (const std::string& dir : {Path("nowhere"), dir_.string()}) {
    auto ds = OpenFashionMnist(dir, 0, 1);
    ASSERT_FALSE(ds.ok());
    EXPECT_EQ(ds.status().code(), Status::Code::kNotFound);
    EXPECT_NE(ds.status().message().find("dataset-fashion-mnist"), std::string::npos)
        << ds.status().message();
  }
}

TEST_F(IdxTest, FashionMnistSharesAreDisjointAndNormalised) {
  WriteFashionLike(25, 7);
  auto r0 = OpenFashionMnist(dir_.string(), 0, 2);
  auto r1 = OpenFashionMnist(dir_.string(), 1, 2);
  ASSERT_TRUE(r0.ok()) << r0.status().message();
  ASSERT_TRUE(r1.ok());
  const Dataset& a = **r0;
  const Dataset& b = **r1;
  EXPECT_EQ(a.num_classes(), 10);
  EXPECT_EQ(a.sample_shape(), (SampleShape{1, 28, 28}));
  EXPECT_EQ(a.LocalSize(Split::kTrain), 13);
  EXPECT_EQ(b.LocalSize(Split::kTrain), 12);
  EXPECT_EQ(a.EpochSize(), 12);  // the same on every rank
  EXPECT_EQ(b.GlobalSize(Split::kVal), 7);
  EXPECT_EQ(b.LocalSize(Split::kVal), 3);
  std::vector<float> x(2 * 784);
  std::vector<std::int64_t> y(2);
  const std::int64_t idx[] = {0, 5};
  ASSERT_TRUE(b.Fill(Split::kTrain, idx, x.data(), y.data()).ok());
  // Rank 1's share position 5 is global image 11.
  EXPECT_EQ(y[0], 1);
  EXPECT_EQ(y[1], 1);
  EXPECT_FLOAT_EQ(x[784 + 100], (11 * 7 / 255.0f - 0.2860f) / 0.3530f);
  const std::int64_t out_of_range[] = {12};
  EXPECT_FALSE(b.Fill(Split::kTrain, out_of_range, x.data(), y.data()).ok());
}

TEST_F(IdxTest, InconsistentFashionMnistFilesAreRejected) {
  WriteFashionLike(10, 4);
  ASSERT_TRUE(WriteIdx(Path("t10k-labels-idx1-ubyte"), {3}, {1, 2, 3}).ok());
  auto ds = OpenFashionMnist(dir_.string(), 0, 1);
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.status().message().find("labels"), std::string::npos) << ds.status().message();
  ASSERT_TRUE(WriteIdx(Path("t10k-labels-idx1-ubyte"), {4}, {1, 2, 3, 12}).ok());
  ds = OpenFashionMnist(dir_.string(), 0, 1);
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.status().message().find("label 12"), std::string::npos) << ds.status().message();
}

TEST(FashionMnistReal, DebianFilesHoldSixtyThousandTrainingAndTenThousandTestImages) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  auto ds = OpenFashionMnist("", 1, 2);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ((*ds)->GlobalSize(Split::kTrain), 60000);
  EXPECT_EQ((*ds)->LocalSize(Split::kTrain), 30000);
  EXPECT_EQ((*ds)->GlobalSize(Split::kVal), 10000);
  std::vector<std::int64_t> idx(30000);
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<float> x(idx.size() * 784);
  std::vector<std::int64_t> y(idx.size());
  ASSERT_TRUE((*ds)->Fill(Split::kTrain, idx, x.data(), y.data()).ok());
  std::vector<int> per_class(10);
  for (std::int64_t label : y) per_class[static_cast<std::size_t>(label)]++;
  for (int count : per_class) EXPECT_NEAR(count, 3000, 300);  // classes are balanced
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  EXPECT_NEAR(mean, 0.0, 0.05);  // normalised
}

}  // namespace
}  // namespace autotune::trainer
