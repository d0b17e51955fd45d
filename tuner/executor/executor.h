// Executor: runs segments of trial programs (ARCHITECTURE.md "The trial
// protocol"). Callbacks run on the io_context the executor was built with, so
// a coordinator on that context needs no locks. Not thread-safe: call it from
// that context's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tuner/core/params.h"
#include "tuner/core/status.h"
#include "tuner/core/trial.h"

namespace autotune {

struct SegmentTask {
  std::int64_t segment_id = 0;
  std::int64_t trial_id = 0;
  std::string study_name;
  std::vector<std::string> argv;            // argv[0]: path of the program
  std::map<std::string, std::string> env;   // extra environment from the spec
  Params params;                            // -> AUTOTUNE_PARAMS (JSON)
  std::int64_t step_begin = 0, step_end = 0;
  std::string resume_from;                  // -> AUTOTUNE_RESUME_FROM when not empty
  std::string checkpoint_dir;               // -> AUTOTUNE_CHECKPOINT_DIR (created by the executor)
  std::uint64_t seed = 0;                   // -> AUTOTUNE_SEED
  int gpus = 0;                             // GPU slots to assign (CUDA_VISIBLE_DEVICES)
  double timeout_s = 0;                     // 0 = none; then SIGTERM, SIGKILL after a grace period
  std::string log_dir;                      // where the full output goes (executors that keep logs)
};

struct SegmentResult {
  enum class Kind { kExited, kSignaled, kTimedOut, kCancelled, kSpawnFailed };
  Kind kind = Kind::kExited;
  int exit_code = 0;             // exit status, or the signal number for kSignaled
  std::string error;             // first protocol or launch error, "" if none
  std::string log_tail;          // last lines (at most 200) of non-protocol output
  bool checkpoint_complete = false;  // checkpoint_dir/COMPLETE exists
  // True when the segment counts as successful: exited 0 with no protocol error.
  bool ok() const { return kind == Kind::kExited && exit_code == 0 && error.empty(); }
};

class Executor {
 public:
  using MetricsFn = std::function<void(const MetricPoint&)>;
  using DoneFn = std::function<void(const SegmentResult&)>;

  virtual ~Executor() = default;

  // Starts a segment. on_metrics gets each valid `AUTOTUNE {...}` line as it
  // comes; on_done is called exactly once at the end (also after Cancel and
  // after a failed launch). Returns an error only for a task that cannot be
  // accepted (no free slot).
  virtual Status Launch(const SegmentTask& task, MetricsFn on_metrics, DoneFn on_done) = 0;

  // Cancels a running segment (SIGTERM to its process group, then SIGKILL).
  virtual void Cancel(std::int64_t segment_id) = 0;

  // How many segments can run at once, and how many are running now.
  virtual int Capacity() const = 0;
  virtual int Running() const = 0;
  // How many GPUs it hands out in all (0: none).
  virtual int GpuCount() const { return 0; }
  // Whether a segment needing `gpus` GPUs would be accepted by Launch now.
  virtual bool CanAccept(int gpus) const {
    (void)gpus;
    return Running() < Capacity();
  }
};

}  // namespace autotune
