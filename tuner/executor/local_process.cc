#include "tuner/executor/local_process.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <system_error>
#include <utility>

#include "tuner/core/spec_json.h"
#include "tuner/executor/segment_process.h"
#include "tuner/executor/spawn.h"
#include "tuner/executor/supervisor.h"

namespace autotune {
namespace {

// Calls on_done, keeping a throwing callback from escaping the io_context's handler.
void SafeDone(const Executor::DoneFn& on_done, const SegmentResult& result) {
  if (!on_done) return;
  try {
    on_done(result);
  } catch (...) {
    // The caller's bug; there is nobody left to report it to.
  }
}

// The protocol variables of ARCHITECTURE.md "The trial protocol", over task.env.
std::map<std::string, std::string> ChildVariables(const SegmentTask& task, const std::vector<int>& gpus) {
  std::map<std::string, std::string> vars = task.env;
  vars["AUTOTUNE_PARAMS"] = ParamsToJson(task.params);
  vars["AUTOTUNE_STUDY"] = task.study_name;
  vars["AUTOTUNE_TRIAL_ID"] = std::to_string(task.trial_id);
  vars["AUTOTUNE_STEP_BEGIN"] = std::to_string(task.step_begin);
  vars["AUTOTUNE_STEP_END"] = std::to_string(task.step_end);
  if (!task.resume_from.empty()) vars["AUTOTUNE_RESUME_FROM"] = task.resume_from;
  if (!task.checkpoint_dir.empty()) vars["AUTOTUNE_CHECKPOINT_DIR"] = task.checkpoint_dir;
  vars["AUTOTUNE_SEED"] = std::to_string(task.seed);
  if (!gpus.empty()) vars["CUDA_VISIBLE_DEVICES"] = GpuList(gpus);
  return vars;
}

}  // namespace

LocalProcessExecutor::LocalProcessExecutor(boost::asio::io_context& io, LocalProcessOptions opts)
    : io_(io),
      opts_(std::move(opts)),
      supervisor_(supervisor::FindSupervisor(opts_.supervisor_path)),
      gpu_busy_(opts_.gpu_ids.size(), false) {
  opts_.max_parallel = std::max(opts_.max_parallel, 1);
  opts_.gpus_per_trial = std::max(opts_.gpus_per_trial, 0);
  opts_.kill_grace_s = std::max(opts_.kill_grace_s, 0.0);
  opts_.log_tail_lines = std::max(opts_.log_tail_lines, 0);
  opts_.pipe_grace_s = std::max(opts_.pipe_grace_s, 0.0);
  opts_.max_line_bytes = std::max<std::size_t>(opts_.max_line_bytes, 1);
}

LocalProcessExecutor::~LocalProcessExecutor() {
  *alive_ = false;
  for (auto& [id, slot] : running_) slot.process->Abandon();
  running_.clear();
}

int LocalProcessExecutor::Capacity() const {
  if (opts_.gpus_per_trial == 0) return opts_.max_parallel;
  return std::min<int>(opts_.max_parallel, static_cast<int>(opts_.gpu_ids.size()) / opts_.gpus_per_trial);
}

int LocalProcessExecutor::Running() const { return static_cast<int>(running_.size()); }

bool LocalProcessExecutor::CanAccept(int gpus) const {
  if (Running() >= Capacity() || gpus < 0) return false;
  const auto busy = std::count(gpu_busy_.begin(), gpu_busy_.end(), true);
  return static_cast<std::size_t>(gpus) <= gpu_busy_.size() - static_cast<std::size_t>(busy);
}

std::vector<int> LocalProcessExecutor::FreeGpus() const {
  std::vector<int> free;
  for (std::size_t i = 0; i < gpu_busy_.size(); ++i) {
    if (!gpu_busy_[i]) free.push_back(opts_.gpu_ids[i]);
  }
  return free;
}

Status LocalProcessExecutor::Launch(const SegmentTask& task, MetricsFn on_metrics, DoneFn on_done) {
  const std::string seg = "segment " + std::to_string(task.segment_id);
  if (running_.count(task.segment_id) != 0) return Status::AlreadyExists(seg + " is already running");
  if (task.gpus < 0) return Status::InvalidArgument(seg + " asks for a negative number of GPUs");
  if (static_cast<std::size_t>(task.gpus) > opts_.gpu_ids.size()) {
    return Status::InvalidArgument(seg + " needs " + std::to_string(task.gpus) +
                                   " GPUs but this executor has " + std::to_string(opts_.gpu_ids.size()));
  }
  if (Running() >= Capacity()) {
    return Status::Unavailable("no free slot for " + seg + ": " + std::to_string(Running()) + " of " +
                               std::to_string(Capacity()) + " running");
  }
  std::vector<std::size_t> picked;
  for (std::size_t i = 0; i < gpu_busy_.size() && picked.size() < static_cast<std::size_t>(task.gpus); ++i) {
    if (!gpu_busy_[i]) picked.push_back(i);
  }
  if (picked.size() < static_cast<std::size_t>(task.gpus)) {
    return Status::Unavailable("not enough free GPUs for " + seg + ": needs " + std::to_string(task.gpus) +
                               ", " + std::to_string(picked.size()) + " free");
  }
  std::vector<int> gpus;
  for (std::size_t i : picked) gpus.push_back(opts_.gpu_ids[i]);

  if (!supervisor_.ok()) {
    FailLater(std::move(on_done), supervisor_.status().message());
    return Status::Ok();
  }
  std::error_code ec;
  if (!task.checkpoint_dir.empty()) {
    std::filesystem::create_directories(task.checkpoint_dir, ec);
    if (ec) {
      FailLater(std::move(on_done),
                "cannot create checkpoint directory \"" + task.checkpoint_dir + "\": " + ec.message());
      return Status::Ok();
    }
  }
  int log_fd = -1;
  const std::string& log_dir = task.log_dir.empty() ? opts_.log_dir : task.log_dir;
  if (!log_dir.empty()) {
    std::filesystem::create_directories(log_dir, ec);
    std::string path =
        (std::filesystem::path(log_dir) / ("segment-" + std::to_string(task.segment_id) + ".log")).string();
    log_fd = ec ? -1 : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      std::string why = ec ? ec.message() : std::strerror(errno);
      FailLater(std::move(on_done), "cannot open log file \"" + path + "\": " + why);
      return Status::Ok();
    }
  }

  StatusOr<SpawnedProcess> child =
      SpawnProcess(task.argv, BuildEnvironment(ChildVariables(task, gpus)), *supervisor_);
  if (!child.ok()) {
    if (log_fd >= 0) ::close(log_fd);
    FailLater(std::move(on_done), child.status().message());
    return Status::Ok();
  }

  SegmentProcess::Config config;
  config.timeout_s = task.timeout_s;
  config.kill_grace_s = opts_.kill_grace_s;
  config.pipe_grace_s = opts_.pipe_grace_s;
  config.log_tail_lines = static_cast<std::size_t>(opts_.log_tail_lines);
  config.max_line_bytes = opts_.max_line_bytes;
  config.checkpoint_dir = task.checkpoint_dir;
  config.log_fd = log_fd;
  config.kill_signal = supervisor::kKillSignal;
  const std::int64_t id = task.segment_id;
  auto process =
      std::make_shared<SegmentProcess>(io_, std::move(config), *child, std::move(on_metrics),
                                       [this, id](const SegmentResult& result) { OnFinished(id, result); });
  for (std::size_t i : picked) gpu_busy_[i] = true;
  running_[id] = Slot{process, std::move(picked), std::move(on_done)};
  process->Start();
  return Status::Ok();
}

void LocalProcessExecutor::Cancel(std::int64_t segment_id) {
  auto it = running_.find(segment_id);
  if (it == running_.end()) return;
  it->second.process->Terminate(SegmentResult::Kind::kCancelled, "cancelled");
}

void LocalProcessExecutor::FailLater(DoneFn on_done, std::string error) {
  SegmentResult result;
  result.kind = SegmentResult::Kind::kSpawnFailed;
  result.exit_code = -1;
  result.error = std::move(error);
  boost::asio::post(
      io_, [alive = std::weak_ptr<bool>(alive_), on_done = std::move(on_done), result = std::move(result)] {
        auto a = alive.lock();
        if (a && *a) SafeDone(on_done, result);
      });
}

void LocalProcessExecutor::OnFinished(std::int64_t segment_id, const SegmentResult& result) {
  auto it = running_.find(segment_id);
  if (it == running_.end()) return;
  DoneFn on_done = std::move(it->second.on_done);
  for (std::size_t i : it->second.gpu_slots) gpu_busy_[i] = false;
  // The slot is free before on_done runs, so on_done may launch the next segment.
  running_.erase(it);
  SafeDone(on_done, result);
}

}  // namespace autotune
