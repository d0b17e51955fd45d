// The process-level composition: data set, communicator, device and trainer
// for one rank; the segment loop of the trial protocol; the launcher mode.
#include "trainer/train/run.h"

#include <malloc.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#ifdef AUTOTUNE_WITH_CUDA
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include "trainer/data/fashion_mnist.h"
#include "trainer/data/synthetic.h"
#include "trainer/launch/launcher.h"
#include "trainer/train/trainer.h"

namespace autotune::trainer {
namespace {

using Clock = std::chrono::steady_clock;

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
    case Status::Code::kFailedPrecondition:
      return kExitBadInput;
    default:
      return kExitFailed;
  }
}

StatusOr<std::unique_ptr<Dataset>> OpenDataset(const TrainConfig& c, int rank, int world) {
  const DataConfig& d = c.data;
  if (d.dataset == "fashion-mnist") return OpenFashionMnist(d.data_dir, rank, world);
  if (d.dataset == "plsc") {
    return OpenPlsc(d.data_dir, rank, world, static_cast<int>(d.image_size), static_cast<int>(d.channels));
  }
  SyntheticOptions o;
  o.num_classes = d.num_classes;
  o.dim = d.input_dim;
  o.train_size = d.train_size;
  o.val_size = d.val_size;
  o.noise = d.noise;
  o.seed = c.run.seed;
  return OpenSynthetic(o, rank, world);
}

StatusOr<std::unique_ptr<Communicator>> Connect(const TrainConfig& c, int rank, int world, int port) {
  if (world == 1) return MakeSingleRankCommunicator();
#ifdef AUTOTUNE_WITH_CUDA
  if (c.run.device == "cuda") {
    try {
      c10d::TCPStoreOptions options;
      options.port = static_cast<std::uint16_t>(port);
      options.isServer = false;
      options.numWorkers = world;
      options.timeout = kDefaultCommTimeout;
      auto store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", options);
      return MakeNcclCommunicator(store, rank, world, rank % static_cast<int>(torch::cuda::device_count()));
    } catch (const std::exception& e) {
      return Status::Unavailable(std::string("cannot reach the rendezvous store: ") + e.what());
    }
  }
#else
  (void)c;
#endif
  TcpRendezvous r;
  r.port = port;
  r.rank = rank;
  r.world_size = world;
  return MakeGlooCommunicator(r);
}

StatusOr<torch::Device> ChooseDevice(const RunConfig& run, int rank) {
  if (run.device == "cpu") return torch::Device(torch::kCPU);
#ifdef AUTOTUNE_WITH_CUDA
  if (torch::cuda::is_available()) {
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(rank % torch::cuda::device_count()));
  }
  return Status::FailedPrecondition("--device cuda: no GPU is visible");
#else
  (void)rank;
  return Status::FailedPrecondition("--device cuda: this autotune-trainer was built without CUDA");
#endif
}

// Formats {"step": 120, "loss": 0.5, ...} with full-precision numbers.
void PrintMetrics(std::int64_t step, double loss, std::optional<double> val_acc, double samples_per_s) {
  std::string line =
      "AUTOTUNE {\"step\": " + std::to_string(step) + ", \"loss\": " + nlohmann::json(loss).dump();
  if (val_acc) line += ", \"val_acc\": " + nlohmann::json(*val_acc).dump();
  line += ", \"samples_per_s\": " + nlohmann::json(samples_per_s).dump() + "}\n";
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

Status TrainSegment(const TrainConfig& c, Communicator& comm) {
  const int rank = comm.rank();
  AT_ASSIGN_OR_RETURN(torch::Device device, ChooseDevice(c.run, rank));
  AT_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> data, OpenDataset(c, rank, comm.world_size()));
  AT_ASSIGN_OR_RETURN(std::unique_ptr<Trainer> trainer, Trainer::Create(c, *data, comm, device));
  const std::int64_t begin = c.run.step_begin;
  const std::int64_t end = c.run.step_end;
  if (!c.run.resume_from.empty()) {
    AT_ASSIGN_OR_RETURN(std::int64_t at, trainer->Resume(c.run.resume_from));
    if (at != begin && rank == 0) {
      std::cerr << "autotune-trainer: note: the checkpoint was taken at step " << at
                << "; the segment starts at " << begin << std::endl;
    }
  } else if (!c.run.init_from.empty()) {
    AT_RETURN_IF_ERROR(
        trainer->InitFrom(c.run.init_from, c.run.init_mode == "all" && !c.run.reset_classifier));
  }
  if (rank == 0) {
    std::cerr << "autotune-trainer: " << data->Describe() << ", " << data->num_classes() << " classes, "
              << comm.world_size() << " rank(s) on " << device.str() << ", steps [" << begin << ", " << end
              << ")" << std::endl;
  }
  double loss_sum = 0, seconds = 0;
  std::int64_t window = 0;
  for (std::int64_t step = begin; step < end; ++step) {
    const auto t0 = Clock::now();
    AT_ASSIGN_OR_RETURN(Trainer::StepStats stats, trainer->TrainStep(step));
    seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    loss_sum += stats.loss;
    ++window;
    const std::int64_t done = step + 1;
    const bool evaluate = done == end || (c.params.eval_interval > 0 && done % c.params.eval_interval == 0);
    if (!evaluate && done % c.run.log_interval != 0) continue;
    std::optional<double> val_acc;
    if (evaluate) {
      AT_ASSIGN_OR_RETURN(val_acc, trainer->Evaluate());
    }
    const double samples = static_cast<double>(window * c.params.batch_size);
    if (rank == 0) {
      PrintMetrics(done, loss_sum / static_cast<double>(window), val_acc, samples / std::max(seconds, 1e-9));
    }
    loss_sum = 0;
    seconds = 0;
    window = 0;
  }
  if (!c.run.checkpoint_dir.empty()) AT_RETURN_IF_ERROR(trainer->Save(c.run.checkpoint_dir, end));
  return Status::Ok();
}

StatusOr<int> EnvInt(const char* name) {
  const char* v = std::getenv(name);
  try {
    std::size_t used = 0;
    const int value = std::stoi(v, &used);
    if (used == std::string(v).size()) return value;
  } catch (const std::exception&) {
  }
  return Status::InvalidArgument(std::string(name) + " is not an integer");
}

// Training allocates and frees the same large activation buffers every step.
// glibc serves blocks above its (dynamic, initially 128 KiB) mmap threshold
// with fresh mappings and returns them on free, so every step pays for page
// faults and zeroing of pages again (a third of a small CNN's step on this
// CPU). Serving blocks up to 32 MiB (the largest threshold mallopt accepts on
// 64-bit glibc) from the heap, and keeping up to 512 MiB of free heap
// untrimmed, lets them be reused.
void TuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

}  // namespace

int RunRank(const TrainConfig& config, int rank, int world, int port) {
  TuneAllocator();
  const std::string who =
      "autotune-trainer: " + (world > 1 ? "rank " + std::to_string(rank) + ": " : std::string());
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(config.run.threads > 0 ? config.run.threads : std::max(1, cores / world));
  // The process entry seeds torch's generator (backbone initialisation); the
  // library draws every other random choice from explicit seeds.
  torch::manual_seed(config.run.seed);
  Status status;
  try {
    auto comm = Connect(config, rank, world, port);
    status = comm.ok() ? TrainSegment(config, **comm) : comm.status();
  } catch (const std::exception& e) {
    std::string what = e.what();
    status = Status::Internal(what.substr(0, what.find('\n')));
  }
  if (status.ok()) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::cerr << who << "done; peak resident memory " << usage.ru_maxrss / 1024 << " MiB" << std::endl;
    return kExitOk;
  }
  std::cerr << who << status.message() << std::endl;
  return ExitCodeFor(status);
}

int RunTrainer(const TrainConfig& config, const std::vector<std::string>& argv) {
  if (std::getenv(kRankEnv) != nullptr) {
    auto rank = EnvInt(kRankEnv);
    auto world = EnvInt(kWorldSizeEnv);
    auto port = EnvInt(kPortEnv);
    for (const Status& s : {rank.status(), world.status(), port.status()}) {
      if (!s.ok()) {
        std::cerr << "autotune-trainer: " << s.message() << std::endl;
        return kExitBadInput;
      }
    }
    return RunRank(config, *rank, *world, *port);
  }
  const int world = config.run.nproc;
  Status status = ValidateConfig(config, world);
  if (status.ok()) status = ValidateModelConfig(config);
  if (!status.ok()) {
    std::cerr << "autotune-trainer: " << status.message() << std::endl;
    return kExitBadInput;
  }
  if (world == 1) return RunRank(config, 0, 1, 0);
  BlockLauncherSignals();  // before the store's threads start
  auto server = RendezvousServer::Start("127.0.0.1");
  if (!server.ok()) {
    std::cerr << "autotune-trainer: cannot start the rendezvous store: " << server.status().message()
              << std::endl;
    return kExitFailed;
  }
  LaunchOptions launch;
  launch.program = SelfExecutable();
  launch.args = argv;
  launch.nproc = world;
  launch.port = (*server)->port();
  const int code = LaunchLocalRanks(launch, std::cerr);
  return code == 0 ? kExitOk : code;
}

int RunPrepare(const PrepareOptions& options) {
  auto report = PreparePlsc(options);
  if (!report.ok()) {
    std::cerr << "autotune-trainer prepare: " << report.status().message() << std::endl;
    return ExitCodeFor(report.status());
  }
  std::cout << "prepare: " << report->lines << " lines, " << report->num_classes << " classes -> "
            << options.parts << " part(s) of " << report->per_part << " lines, " << report->val_lines
            << " held-out lines, " << report->dropped << " dropped to equalise the parts (" << options.out_dir
            << ")" << std::endl;
  return kExitOk;
}

}  // namespace autotune::trainer
