// Communicators over LibTorch's c10d process groups (Gloo; NCCL with CUDA) and
// the single-rank identity. c10d reports failures as exceptions; they are
// caught here and returned as Status, so nothing throws past this file.
#include "trainer/comm/communicator.h"

#include <exception>
#include <string>
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <utility>
#include <vector>
#ifdef AUTOTUNE_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>

#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace autotune::trainer {
namespace {

// The first line of an exception's message: c10 errors append a C++ stack.
std::string FirstLine(const std::exception& e) {
  std::string what = e.what();
  const auto nl = what.find('\n');
  return nl == std::string::npos ? what : what.substr(0, nl);
}

// Runs `body` (which may throw c10d errors) and maps any exception to a Status.
template <typename Body>
Status Guard(const char* what, int rank, Body&& body) {
  try {
    body();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string(what) + " failed on rank " + std::to_string(rank) +
                               " (a peer rank died or timed out?): " + FirstLine(e));
  }
}

class SingleRankCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  Status AllReduce(torch::Tensor&, ReduceOp) override { return Status::Ok(); }
  StatusOr<torch::Tensor> AllGather(const torch::Tensor& local) override {
    return local.contiguous().clone();
  }
  Status Broadcast(torch::Tensor&, int root) override {
    if (root != 0) return Status::InvalidArgument("broadcast root out of range");
    return Status::Ok();
  }
  Status Barrier() override { return Status::Ok(); }
};

// Any c10d process group. Collectives are synchronous: each waits for its work.
// Tensors elsewhere than the group's device (e.g. a small CPU flag on NCCL) or
// not contiguous go through a staging copy, so callers need not care.
class ProcessGroupCommunicator final : public Communicator {
 public:
  ProcessGroupCommunicator(c10::intrusive_ptr<c10d::ProcessGroup> group, int rank, int world,
                           torch::Device device)
      : group_(std::move(group)), rank_(rank), world_(world), device_(device) {}

  int rank() const override { return rank_; }
  int world_size() const override { return world_; }

  Status AllReduce(torch::Tensor& tensor, ReduceOp op) override {
    if (!tensor.defined()) return Status::InvalidArgument("all-reduce of an undefined tensor");
    return Guard("all-reduce", rank_, [&] {
      torch::Tensor buffer = Staged(tensor);
      std::vector<torch::Tensor> tensors{buffer};
      c10d::AllreduceOptions opts;
      opts.reduceOp = op == ReduceOp::kSum ? c10d::ReduceOp::SUM : c10d::ReduceOp::MAX;
      group_->allreduce(tensors, opts)->wait();
      if (!buffer.is_same(tensor)) tensor.copy_(buffer);
    });
  }

  StatusOr<torch::Tensor> AllGather(const torch::Tensor& local) override {
    if (!local.defined()) return Status::InvalidArgument("all-gather of an undefined tensor");
    torch::Tensor result;
    Status status = Guard("all-gather", rank_, [&] {
      std::vector<torch::Tensor> input{Staged(local)};
      std::vector<std::vector<torch::Tensor>> output(1);
      output[0].reserve(world_);
      for (int r = 0; r < world_; ++r) output[0].push_back(torch::empty_like(input[0]));
      group_->allgather(output, input)->wait();
      result = local.dim() == 0 ? torch::stack(output[0]) : torch::cat(output[0], 0);
      result = result.to(local.device());
    });
    if (!status.ok()) return status;
    return result;
  }

  Status Broadcast(torch::Tensor& tensor, int root) override {
    if (root < 0 || root >= world_) return Status::InvalidArgument("broadcast root out of range");
    return Guard("broadcast", rank_, [&] {
      torch::Tensor buffer = Staged(tensor);
      std::vector<torch::Tensor> tensors{buffer};
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      group_->broadcast(tensors, opts)->wait();
      if (!buffer.is_same(tensor)) tensor.copy_(buffer);
    });
  }

  Status Barrier() override {
    return Guard("barrier", rank_, [&] { group_->barrier()->wait(); });
  }

 private:
  // `t` itself when c10d can use it in place, else a contiguous copy on the
  // group's device (the caller copies results back).
  torch::Tensor Staged(const torch::Tensor& t) const {
    if (t.device() == device_ && t.is_contiguous()) return t;
    return t.to(device_).contiguous();
  }

  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  int rank_;
  int world_;
  torch::Device device_;
};

Status CheckRank(int rank, int world_size) {
  if (world_size < 1) return Status::InvalidArgument("world size must be at least 1");
  if (rank < 0 || rank >= world_size) {
    return Status::InvalidArgument("rank " + std::to_string(rank) + " outside world of " +
                                   std::to_string(world_size));
  }
  return Status::Ok();
}

}  // namespace

std::unique_ptr<Communicator> MakeSingleRankCommunicator() {
  return std::make_unique<SingleRankCommunicator>();
}

c10::intrusive_ptr<c10d::Store> MakeInProcessStore() { return c10::make_intrusive<c10d::HashStore>(); }

StatusOr<std::unique_ptr<Communicator>> MakeGlooCommunicator(c10::intrusive_ptr<c10d::Store> store, int rank,
                                                             int world_size,
                                                             std::chrono::milliseconds timeout) {
  AT_RETURN_IF_ERROR(CheckRank(rank, world_size));
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  Status status = Guard("gloo rendezvous", rank, [&] {
    store->setTimeout(timeout);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    options->threads = 1;  // collectives are issued one at a time
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
  });
  if (!status.ok()) return status;
  return std::unique_ptr<Communicator>(
      std::make_unique<ProcessGroupCommunicator>(std::move(group), rank, world_size, torch::kCPU));
}

StatusOr<std::unique_ptr<Communicator>> MakeGlooCommunicator(const TcpRendezvous& rendezvous) {
  AT_RETURN_IF_ERROR(CheckRank(rendezvous.rank, rendezvous.world_size));
  if (rendezvous.port <= 0 || rendezvous.port > 65535) {
    return Status::InvalidArgument("rendezvous port " + std::to_string(rendezvous.port) + " out of range");
  }
  c10::intrusive_ptr<c10d::Store> store;
  Status status = Guard("rendezvous store connection", rendezvous.rank, [&] {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<std::uint16_t>(rendezvous.port);
    opts.isServer = rendezvous.rank0_hosts_store && rendezvous.rank == 0;
    opts.waitWorkers = false;  // the Gloo rendezvous below waits for everyone
    opts.timeout = rendezvous.timeout;
    store = c10::make_intrusive<c10d::TCPStore>(rendezvous.host, opts);
  });
  if (!status.ok()) return status;
  return MakeGlooCommunicator(std::move(store), rendezvous.rank, rendezvous.world_size, rendezvous.timeout);
}

StatusOr<std::unique_ptr<RendezvousServer>> RendezvousServer::Start(const std::string& host,
                                                                    std::chrono::milliseconds timeout) {
  c10::intrusive_ptr<c10d::TCPStore> store;
  Status status = Guard("rendezvous server start", 0, [&] {
    c10d::TCPStoreOptions opts;
    opts.port = 0;  // the OS picks a free port
    opts.isServer = true;
    opts.waitWorkers = false;
    opts.timeout = timeout;
    store = c10::make_intrusive<c10d::TCPStore>(host, opts);
  });
  if (!status.ok()) return status;
  const int port = store->getPort();
  return std::unique_ptr<RendezvousServer>(new RendezvousServer(std::move(store), port));
}

RendezvousServer::~RendezvousServer() = default;

#ifdef AUTOTUNE_WITH_CUDA
StatusOr<std::unique_ptr<Communicator>> MakeNcclCommunicator(c10::intrusive_ptr<c10d::Store> store, int rank,
                                                             int world_size, int device_index,
                                                             std::chrono::milliseconds timeout) {
  AT_RETURN_IF_ERROR(CheckRank(rank, world_size));
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  Status status = Guard("nccl rendezvous", rank, [&] {
    c10::cuda::set_device(static_cast<c10::DeviceIndex>(device_index));
    store->setTimeout(timeout);
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size, options);
  });
  if (!status.ok()) return status;
  return std::unique_ptr<Communicator>(std::make_unique<ProcessGroupCommunicator>(
      std::move(group), rank, world_size,
      torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device_index))));
}
#endif

Status SumGradients(Communicator& comm, const std::vector<torch::Tensor>& params) {
  if (comm.world_size() == 1 || params.empty()) return Status::Ok();
  // One flat buffer: one collective instead of one per parameter.
  std::vector<torch::Tensor> grads;
  grads.reserve(params.size());
  for (const torch::Tensor& p : params) {
    torch::Tensor& g = const_cast<torch::Tensor&>(p).mutable_grad();
    if (!g.defined()) g = torch::zeros_like(p);
    grads.push_back(g.reshape({-1}));
  }
  torch::Tensor flat = torch::cat(grads);
  AT_RETURN_IF_ERROR(comm.AllReduce(flat, ReduceOp::kSum));
  int64_t offset = 0;
  for (const torch::Tensor& p : params) {
    const int64_t n = p.numel();
    torch::NoGradGuard no_grad;
    const_cast<torch::Tensor&>(p).mutable_grad().copy_(flat.narrow(0, offset, n).view_as(p));
    offset += n;
  }
  return Status::Ok();
}

Status BroadcastTensors(Communicator& comm, const std::vector<torch::Tensor>& tensors, int root) {
  if (comm.world_size() == 1 || tensors.empty()) return Status::Ok();
  torch::NoGradGuard no_grad;
  for (const torch::Tensor& t : tensors) {
    torch::Tensor data = t.detach();
    AT_RETURN_IF_ERROR(comm.Broadcast(data, root));
  }
  return Status::Ok();
}

}  // namespace autotune::trainer
