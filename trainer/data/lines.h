// Line-oriented file access for the text data formats: scan a file once,
// remember where each line starts, read single lines back later with pread
// (safe from several threads).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::trainer {

// Calls `visit(offset, line)` for each non-empty line of `path` (without its
// '\n'), in order; stops at the first error `visit` returns.
Status ScanLines(const std::string& path,
                 const std::function<Status(std::int64_t offset, std::string_view line)>& visit);

// An open file whose lines are read by offset. Move-only.
class LineFile {
 public:
  static StatusOr<LineFile> Open(const std::string& path);
  LineFile(LineFile&& other) noexcept;
  LineFile& operator=(LineFile&& other) noexcept;
  LineFile(const LineFile&) = delete;
  LineFile& operator=(const LineFile&) = delete;
  ~LineFile();

  // Reads `length` bytes at `offset` into *out.
  Status Read(std::int64_t offset, std::int64_t length, std::string* out) const;
  const std::string& path() const { return path_; }

 private:
  LineFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

// A deterministic, platform-independent Fisher-Yates shuffle of [0, n) driven
// by SplitMix64 from `seed` (std::shuffle's result differs between standard
// libraries, which would break reproducible data orders).
std::vector<std::int64_t> SeededPermutation(std::int64_t n, std::uint64_t seed);

}  // namespace autotune::trainer
