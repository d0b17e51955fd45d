#include "tuner/executor/gpus.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace autotune {
namespace {

// Parses a non-negative decimal integer (digits only) that fits an int.
bool ParseIndex(std::string_view s, int* out) {
  if (s.empty() || s.size() > 9) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::vector<int> DetectGpus() {
  const char* env = std::getenv("CUDA_VISIBLE_DEVICES");
  return DetectGpus(env ? std::optional<std::string>(env) : std::nullopt, "/dev");
}

std::vector<int> DetectGpus(const std::optional<std::string>& cuda_visible_devices,
                            const std::string& dev_dir) {
  std::vector<int> ids;
  if (cuda_visible_devices) {
    std::string_view rest = *cuda_visible_devices;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view entry = rest.substr(0, comma);
      while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
      while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
      int id = 0;
      if (!ParseIndex(entry, &id)) break;
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return ids;
  }
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dev_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    int id = 0;
    if (name.rfind("nvidia", 0) == 0 && ParseIndex(std::string_view(name).substr(6), &id)) {
      ids.push_back(id);
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string GpuList(const std::vector<int>& ids) {
  std::string out;
  for (int id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

}  // namespace autotune
