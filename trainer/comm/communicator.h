// Collectives between the ranks of one training job, behind one small
// interface: Gloo (LibTorch c10d) on CPU, NCCL on GPU (AUTOTUNE_WITH_CUDA), and
// a trivial single-rank implementation.
//
// Contract for every implementation:
// - Every rank calls the same collectives in the same order with tensors of the
//   same dtype; AllReduce and Broadcast need equal shapes, AllGather equal shard
//   sizes (use AllGatherRows in model/ for ragged batches).
// - Errors (a peer that died, a timeout, a shape mismatch) come back as a
//   non-OK Status (kUnavailable for peers/timeouts, kInvalidArgument for bad
//   arguments); no exception escapes. After an error the communicator must
//   not be used again: the job is to stop with the message.
// - One thread drives one communicator (not thread-safe). Bulk tensors should
//   live on the communicator's device (CPU for Gloo, the rank's GPU for NCCL);
//   others (a small CPU flag on NCCL) are staged through a copy.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::trainer {

enum class ReduceOp { kSum, kMax };

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;

  // In place: every rank ends with the element-wise reduction.
  virtual Status AllReduce(torch::Tensor& tensor, ReduceOp op) = 0;
  // Concatenates every rank's `local` along dim 0 in rank order; all shards
  // have the same shape. Returns a new contiguous tensor.
  virtual StatusOr<torch::Tensor> AllGather(const torch::Tensor& local) = 0;
  // In place: every rank ends with `root`'s tensor.
  virtual Status Broadcast(torch::Tensor& tensor, int root) = 0;
  virtual Status Barrier() = 0;
};

// World size 1: every collective is the identity.
std::unique_ptr<Communicator> MakeSingleRankCommunicator();

// Default limit for the rendezvous and for every collective: a dead or stuck
// rank turns into an error after this long instead of a hang.
inline constexpr std::chrono::milliseconds kDefaultCommTimeout{std::chrono::seconds(120)};

// Gloo over any c10d store shared by the ranks. Blocks until all `world_size`
// ranks have joined (or `timeout`). Use MakeInProcessStore() for ranks that are
// threads of one process (tests), TCP for ranks that are processes.
StatusOr<std::unique_ptr<Communicator>> MakeGlooCommunicator(
    c10::intrusive_ptr<c10d::Store> store, int rank, int world_size,
    std::chrono::milliseconds timeout = kDefaultCommTimeout);

// A store held in memory; share the same pointer with every rank thread.
c10::intrusive_ptr<c10d::Store> MakeInProcessStore();

// Ranks as processes: rendezvous through a TCP store at host:port.
struct TcpRendezvous {
  std::string host = "127.0.0.1";
  int port = 0;
  int rank = 0;
  int world_size = 1;
  // When true rank 0 hosts the store on `port`; when false a RendezvousServer
  // (e.g. in the launcher) hosts it and every rank is a client.
  bool rank0_hosts_store = false;
  std::chrono::milliseconds timeout = kDefaultCommTimeout;
};
StatusOr<std::unique_ptr<Communicator>> MakeGlooCommunicator(const TcpRendezvous& rendezvous);

// Hosts the TCP store in the launcher process, on a free port chosen by the OS,
// for the lifetime of this object. Ranks then connect with
// TcpRendezvous{.port = server.port(), .rank0_hosts_store = false}.
class RendezvousServer {
 public:
  static StatusOr<std::unique_ptr<RendezvousServer>> Start(
      const std::string& host = "127.0.0.1", std::chrono::milliseconds timeout = kDefaultCommTimeout);
  ~RendezvousServer();
  int port() const { return port_; }

 private:
  RendezvousServer(c10::intrusive_ptr<c10d::Store> store, int port) : store_(std::move(store)), port_(port) {}
  c10::intrusive_ptr<c10d::Store> store_;
  int port_;
};

#ifdef AUTOTUNE_WITH_CUDA
// NCCL on GPU `device_index` (the rank's GPU) over any c10d store. A dead peer
// is only detected within `timeout` when the launcher starts NCCL ranks with
// NCCL_ASYNC_ERROR_HANDLING=1; otherwise only the launcher's watch ends the job.
StatusOr<std::unique_ptr<Communicator>> MakeNcclCommunicator(
    c10::intrusive_ptr<c10d::Store> store, int rank, int world_size, int device_index,
    std::chrono::milliseconds timeout = kDefaultCommTimeout);
#endif

// Data-parallel helpers for the replicated backbone.
//
// SumGradients: all-reduce SUM of the .grad of `params` (undefined grads count
// as zero and are created). With the loss defined as the mean over the GLOBAL
// batch (model/margin_softmax.h), each rank's backward yields only its own
// samples' share, so the sum is the full gradient: do not divide by the world.
Status SumGradients(Communicator& comm, const std::vector<torch::Tensor>& params);
// Copies root's values into `tensors` on every rank (initial weights, and the
// batch-norm buffers before evaluation or a checkpoint).
Status BroadcastTensors(Communicator& comm, const std::vector<torch::Tensor>& tensors, int root = 0);

}  // namespace autotune::trainer
