#include "tuner/executor/gpus.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/tuner/executor/test_util.h"

namespace autotune {
namespace {

using ::autotune::testing::TempDir;

TEST(DetectGpusTest, CudaVisibleDevicesListsTheIndices) {
  EXPECT_EQ(DetectGpus(std::string("0,2"), "/nonexistent"), (std::vector<int>{0, 2}));
  EXPECT_EQ(DetectGpus(std::string(" 3 , 1"), "/nonexistent"), (std::vector<int>{3, 1}));
  EXPECT_EQ(DetectGpus(std::string("1,1"), "/nonexistent"), (std::vector<int>{1}));
}

TEST(DetectGpusTest, EmptyOrInvalidCudaVisibleDevicesMeansNoneAfterTheFirstBadEntry) {
  EXPECT_TRUE(DetectGpus(std::string(""), "/nonexistent").empty());
  EXPECT_TRUE(DetectGpus(std::string("-1"), "/nonexistent").empty());
  EXPECT_EQ(DetectGpus(std::string("0,GPU-1234,2"), "/nonexistent"), (std::vector<int>{0}));
}

TEST(DetectGpusTest, CudaVisibleDevicesWinsOverDeviceNodes) {
  TempDir dev;
  std::ofstream(dev / "nvidia0");
  EXPECT_EQ(DetectGpus(std::string("5"), dev.path()), (std::vector<int>{5}));
}

TEST(DetectGpusTest, CountsNumberedDeviceNodesOnly) {
  TempDir dev;
  for (const char* name :
       {"nvidia2", "nvidia0", "nvidia10", "nvidiactl", "nvidia-uvm", "nvidia-caps", "nvidia1x", "null"}) {
    std::ofstream(dev / name);
  }
  EXPECT_EQ(DetectGpus(std::nullopt, dev.path()), (std::vector<int>{0, 2, 10}));
  EXPECT_TRUE(DetectGpus(std::nullopt, dev / "missing").empty());
}

TEST(GpuListTest, JoinsWithCommas) {
  EXPECT_EQ(GpuList({}), "");
  EXPECT_EQ(GpuList({4}), "4");
  EXPECT_EQ(GpuList({0, 2, 3}), "0,2,3");
}

}  // namespace
}  // namespace autotune
