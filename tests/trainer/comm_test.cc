// Collectives over Gloo with ranks as threads, the TCP rendezvous, and the
// failure modes: a rank that never joins or that dies surfaces as an error.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "tests/trainer/test_util.h"
#include "trainer/comm/communicator.h"

namespace autotune::trainer {
namespace {

using testing::RunRanks;
using Clock = std::chrono::steady_clock;

TEST(Communicator, AllReduceSumsAndMaxesAcrossRanks) {
  RunRanks(3, [](Communicator& comm) {
    const float r = static_cast<float>(comm.rank());
    torch::Tensor sum = torch::tensor({r, 10 * r});
    ASSERT_TRUE(comm.AllReduce(sum, ReduceOp::kSum).ok());
    EXPECT_TRUE(torch::equal(sum, torch::tensor({3.0f, 30.0f})));
    torch::Tensor max = torch::tensor({r, -r});
    ASSERT_TRUE(comm.AllReduce(max, ReduceOp::kMax).ok());
    EXPECT_TRUE(torch::equal(max, torch::tensor({2.0f, 0.0f})));
    // A non-contiguous tensor is reduced in place too.
    torch::Tensor base = torch::full({2, 2}, r + 1);
    torch::Tensor column = base.t()[0];
    ASSERT_TRUE(comm.AllReduce(column, ReduceOp::kSum).ok());
    EXPECT_TRUE(torch::equal(base.select(1, 0), torch::tensor({6.0f, 6.0f})));
  });
}

TEST(Communicator, AllGatherConcatenatesInRankOrder) {
  RunRanks(4, [](Communicator& comm) {
    torch::Tensor local = torch::full({2, 3}, comm.rank(), torch::kInt64);
    auto all = comm.AllGather(local);
    ASSERT_TRUE(all.ok()) << all.status().message();
    ASSERT_EQ(all->sizes(), torch::IntArrayRef({8, 3}));
    for (int r = 0; r < 4; ++r) EXPECT_EQ((*all)[2 * r][0].item<int64_t>(), r);
  });
}

TEST(Communicator, BroadcastCopiesTheRootAndBarrierReturns) {
  RunRanks(3, [](Communicator& comm) {
    torch::Tensor t = torch::full({4}, static_cast<float>(comm.rank()));
    ASSERT_TRUE(comm.Broadcast(t, 2).ok());
    EXPECT_TRUE(torch::equal(t, torch::full({4}, 2.0f)));
    EXPECT_TRUE(comm.Barrier().ok());
    EXPECT_EQ(comm.Broadcast(t, 3).code(), Status::Code::kInvalidArgument);
  });
}

TEST(Communicator, SumGradientsAddsEveryRanksShareAndBroadcastAlignsReplicas) {
  RunRanks(2, [](Communicator& comm) {
    torch::Tensor a = torch::full({2, 2}, static_cast<float>(comm.rank() + 1)).requires_grad_();
    torch::Tensor b = torch::zeros({3}).requires_grad_();  // no grad yet: counts as zero
    (a * static_cast<float>(comm.rank() + 1)).sum().backward();
    ASSERT_TRUE(SumGradients(comm, {a, b}).ok());
    EXPECT_TRUE(torch::equal(a.grad(), torch::full({2, 2}, 3.0f)));
    EXPECT_TRUE(torch::equal(b.grad(), torch::zeros({3})));
    torch::Tensor counter = torch::full({1}, 5 + comm.rank(), torch::kInt64);
    ASSERT_TRUE(BroadcastTensors(comm, {a, counter}).ok());
    EXPECT_TRUE(torch::equal(a, torch::full({2, 2}, 1.0f)));
    EXPECT_EQ(counter.item<int64_t>(), 5);
  });
}

TEST(Communicator, SingleRankCollectivesAreIdentities) {
  auto comm = MakeSingleRankCommunicator();
  torch::Tensor t = torch::tensor({1.0f, 2.0f});
  EXPECT_TRUE(comm->AllReduce(t, ReduceOp::kSum).ok());
  EXPECT_TRUE(torch::equal(t, torch::tensor({1.0f, 2.0f})));
  EXPECT_TRUE(torch::equal(*comm->AllGather(t), t));
  EXPECT_TRUE(comm->Broadcast(t, 0).ok());
  EXPECT_TRUE(comm->Barrier().ok());
  EXPECT_EQ(comm->world_size(), 1);
}

TEST(Communicator, RanksRendezvousOverTcpThroughALauncherHostedStore) {
  auto server = RendezvousServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().message();
  const int port = (*server)->port();
  ASSERT_GT(port, 0);
  std::vector<std::thread> ranks;
  std::atomic<int> agreed{0};
  for (int r = 0; r < 2; ++r) {
    ranks.emplace_back([&, r] {
      TcpRendezvous rv;
      rv.port = port;
      rv.rank = r;
      rv.world_size = 2;
      rv.timeout = std::chrono::seconds(20);
      auto comm = MakeGlooCommunicator(rv);
      ASSERT_TRUE(comm.ok()) << comm.status().message();
      torch::Tensor t = torch::ones({1});
      ASSERT_TRUE((*comm)->AllReduce(t, ReduceOp::kSum).ok());
      if (t.item<float>() == 2.0f) ++agreed;
    });
  }
  for (auto& t : ranks) t.join();
  EXPECT_EQ(agreed.load(), 2);
}

TEST(Communicator, ARankThatNeverJoinsIsATimeoutErrorNotAHang) {
  auto store = MakeInProcessStore();
  const auto start = Clock::now();
  auto comm = MakeGlooCommunicator(store, 0, 2, std::chrono::milliseconds(1500));
  ASSERT_FALSE(comm.ok());
  EXPECT_EQ(comm.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(comm.status().message().find("rank 0"), std::string::npos);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));
}

TEST(Communicator, ARankThatDiesMidRunIsAnErrorOnTheOthers) {
  auto store = MakeInProcessStore();
  Status survivor;
  const auto start = Clock::now();
  std::thread dying([&] {
    auto comm = MakeGlooCommunicator(store, 1, 2, std::chrono::seconds(3));
    ASSERT_TRUE(comm.ok());
    torch::Tensor t = torch::ones({1});
    ASSERT_TRUE((*comm)->AllReduce(t, ReduceOp::kSum).ok());
    // Leaves without taking part in the next collective; its connections close.
  });
  std::thread waiting([&] {
    auto comm = MakeGlooCommunicator(store, 0, 2, std::chrono::seconds(3));
    ASSERT_TRUE(comm.ok());
    torch::Tensor t = torch::ones({1});
    ASSERT_TRUE((*comm)->AllReduce(t, ReduceOp::kSum).ok());
    survivor = (*comm)->AllReduce(t, ReduceOp::kSum);
  });
  dying.join();
  waiting.join();
  EXPECT_EQ(survivor.code(), Status::Code::kUnavailable);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(30));
}

TEST(Communicator, RejectsBadRanksAndPorts) {
  auto store = MakeInProcessStore();
  EXPECT_EQ(MakeGlooCommunicator(store, 2, 2).status().code(), Status::Code::kInvalidArgument);
  TcpRendezvous rv;
  rv.port = 70000;
  EXPECT_EQ(MakeGlooCommunicator(rv).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace autotune::trainer
