// Helpers for the trainer tests: ranks as threads of this process, each with
// its own Gloo communicator over one shared in-memory store.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "trainer/comm/communicator.h"

namespace autotune::trainer::testing {

// Runs body(comm) for ranks 0..world-1 concurrently and joins them all.
// An exception in a rank becomes a test failure naming the rank.
inline void RunRanks(int world, const std::function<void(Communicator&)>& body,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto store = MakeInProcessStore();
  std::vector<std::thread> threads;
  for (int rank = 0; rank < world; ++rank) {
    threads.emplace_back([&, rank] {
      try {
        auto comm = MakeGlooCommunicator(store, rank, world, timeout);
        if (!comm.ok()) {
          ADD_FAILURE() << "rank " << rank << ": " << comm.status().message();
          return;
        }
        body(**comm);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "rank " << rank << " threw: " << e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
}

// max |a - b| <= tol * max(max |b|, tiny): the difference relative to the
// reference tensor's scale (element-wise relative error is meaningless for
// entries that are zero up to rounding).
inline ::testing::AssertionResult CloseRelative(const torch::Tensor& a, const torch::Tensor& b, double tol) {
  if (a.sizes() != b.sizes()) {
    return ::testing::AssertionFailure() << "shapes differ: " << a.sizes() << " vs " << b.sizes();
  }
  if (a.numel() == 0) return ::testing::AssertionSuccess();
  const double scale = std::max(b.abs().max().item<double>(), 1e-30);
  const double diff = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
  if (diff <= tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max |diff| " << diff << " > " << tol << " * " << scale;
}

}  // namespace autotune::trainer::testing
