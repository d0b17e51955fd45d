// Which GPUs the local executor may hand out to trials.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace autotune {

// The GPU indices visible to this process: the integers listed in
// CUDA_VISIBLE_DEVICES when it is set (parsing stops at the first entry that
// is not a non-negative integer, as CUDA does; set but empty means none), else
// the N of each /dev/nvidiaN device node, ascending.
std::vector<int> DetectGpus();

// The same with the inputs given: `cuda_visible_devices` is the variable's
// value (nullopt when unset) and `dev_dir` the folder holding nvidiaN nodes.
std::vector<int> DetectGpus(const std::optional<std::string>& cuda_visible_devices,
                            const std::string& dev_dir);

// "0,2,3": the value of CUDA_VISIBLE_DEVICES for these indices.
std::string GpuList(const std::vector<int>& ids);

}  // namespace autotune
