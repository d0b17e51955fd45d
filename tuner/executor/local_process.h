// LocalProcessExecutor: runs each segment as a child process of this one
// (ARCHITECTURE.md "Executor", "The trial protocol").
//
// The program is started by fork/exec of the task's argv, never through a
// shell; argv[0] must be a path (PATH is not searched). The child gets this
// process's environment plus task.env plus the protocol variables
// (AUTOTUNE_PARAMS, AUTOTUNE_STUDY, AUTOTUNE_TRIAL_ID, AUTOTUNE_STEP_BEGIN,
// AUTOTUNE_STEP_END, AUTOTUNE_RESUME_FROM when set, AUTOTUNE_CHECKPOINT_DIR,
// AUTOTUNE_SEED, CUDA_VISIBLE_DEVICES when it has GPUs), stdin from /dev/null,
// and its own process group, so a timeout or Cancel (SIGTERM, then SIGKILL
// after kill_grace_s) reaches everything it started.
//
// Each program runs under the trial supervisor (supervisor.h), which is what
// makes these promises hold for every descendant, also one that left the
// process group or session: when the program ends, is cancelled or times out,
// everything it started is killed before on_done; and when this process (more
// exactly, the io_context's thread that launched the segment) dies, even by
// kill -9, the supervisor kills the program and all its descendants. The
// supervisor is found by supervisor::FindSupervisor(opts.supervisor_path); if
// it cannot be found, every launch fails with kSpawnFailed saying so.
//
// Results: kExited / kSignaled as the child ended; kTimedOut or kCancelled
// when the executor ended it (exit_code then still holds the exit status or
// signal number); kSpawnFailed when it could not be started (missing or
// non-executable program, checkpoint directory or log file not creatable),
// with the reason in `error`. on_done is called from a handler on the
// io_context, never from inside Launch or Cancel, after every on_metrics call
// of that segment.
//
// Not thread-safe: use it from the io_context's thread. Destroying the
// executor SIGKILLs and reaps every running segment without calling their
// on_done.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tuner/executor/executor.h"
#include "tuner/executor/gpus.h"

namespace autotune {

class SegmentProcess;

struct LocalProcessOptions {
  int max_parallel = 1;                    // segments at once (values < 1 count as 1)
  std::vector<int> gpu_ids;                // GPU indices it may hand out (see DetectGpus())
  int gpus_per_trial = 0;                  // when > 0, Capacity() is also limited by gpu_ids.size() / this
  double kill_grace_s = 5;                 // SIGTERM -> SIGKILL
  int log_tail_lines = 200;                // lines kept in SegmentResult::log_tail
  std::string log_dir;                     // full output in <log_dir>/segment-<id>.log (task.log_dir wins)
  double pipe_grace_s = 1.5;               // after the child exits, wait this long for its pipes' EOF
  std::size_t max_line_bytes = 64 * 1024;  // longer output lines are cut
  std::string supervisor_path;             // "" = found beside this executable or in the build tree
};

class LocalProcessExecutor final : public Executor {
 public:
  LocalProcessExecutor(boost::asio::io_context& io, LocalProcessOptions opts);
  ~LocalProcessExecutor() override;
  LocalProcessExecutor(const LocalProcessExecutor&) = delete;
  LocalProcessExecutor& operator=(const LocalProcessExecutor&) = delete;

  // Errors (nothing started, on_done not called): kUnavailable when all slots
  // or not enough GPUs are free; kInvalidArgument when the task asks for more
  // GPUs than the executor has, or negative GPUs; kAlreadyExists when a
  // segment with this id is running. A launch failure is not an error here:
  // it reaches on_done as kSpawnFailed.
  Status Launch(const SegmentTask& task, MetricsFn on_metrics, DoneFn on_done) override;
  // Unknown or finished segment ids are ignored.
  void Cancel(std::int64_t segment_id) override;
  int Capacity() const override;
  int Running() const override;
  int GpuCount() const override { return static_cast<int>(opts_.gpu_ids.size()); }
  // A free slot and `gpus` free GPUs.
  bool CanAccept(int gpus) const override;

  // GPU ids not assigned to a running segment, in gpu_ids order.
  std::vector<int> FreeGpus() const;

 private:
  struct Slot {
    std::shared_ptr<SegmentProcess> process;
    std::vector<std::size_t> gpu_slots;  // indices into opts_.gpu_ids
    DoneFn on_done;
  };

  void FailLater(DoneFn on_done, std::string error);
  void OnFinished(std::int64_t segment_id, const SegmentResult& result);

  boost::asio::io_context& io_;
  LocalProcessOptions opts_;
  StatusOr<std::string> supervisor_;  // the supervisor's path, or why it was not found
  std::map<std::int64_t, Slot> running_;
  std::vector<bool> gpu_busy_;  // parallel to opts_.gpu_ids
  // Handlers posted for failed launches hold a weak copy: after destruction
  // they do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace autotune
