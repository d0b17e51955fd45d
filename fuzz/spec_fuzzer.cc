// libFuzzer target: ParseStudySpec on arbitrary bytes. Any input must give a
// spec or an error Status: no crash, no uncaught exception, no sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tuner/core/spec_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The spec's folder: relative command paths resolve against it (nothing is run).
  static const std::string base = std::filesystem::temp_directory_path().string();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = autotune::ParseStudySpec(text, base);
  if (parsed.ok()) {
    // The canonical form (what "the same spec" means on resume) parses again,
    // to itself.
    auto again = autotune::ParseStudySpec(parsed->canonical_json, base);
    if (!again.ok() || again->canonical_json != parsed->canonical_json) std::abort();
  }
  return 0;
}
