// libFuzzer target: the trial protocol's output side on arbitrary bytes: the
// line splitter in chunks, each stdout line classified (`AUTOTUNE {...}`),
// and the log tail. No crash, no uncaught exception, no sanitizer report.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tuner/executor/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the read size, so lines span chunks in many ways.
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  autotune::LineSplitter lines(4096);
  autotune::LogTail tail(8);
  auto on_line = [&](std::string_view line, bool truncated) {
    autotune::ProtocolLine p = autotune::ParseStdoutLine(line);
    if (p.kind == autotune::ProtocolLine::Kind::kMetrics) {
      // The contract: a step >= 0 and finite values only.
      if (p.point.step < 0) std::abort();
      for (const auto& [name, value] : p.point.values)
        if (!std::isfinite(value)) std::abort();
    }
    if (p.kind == autotune::ProtocolLine::Kind::kInvalid && p.error.empty()) std::abort();
    tail.Add(truncated ? std::string_view("[truncated]") : line);
  };
  while (!rest.empty()) {
    const std::size_t n = rest.size() < chunk ? rest.size() : chunk;
    lines.Feed(rest.substr(0, n), on_line);
    rest.remove_prefix(n);
  }
  lines.Finish(on_line);
  (void)tail.Text();
  return 0;
}
