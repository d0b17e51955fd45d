#include "trainer/data/lines.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <numeric>

namespace autotune::trainer {
namespace {

Status OpenError(const std::string& path) {
  if (errno == ENOENT) return Status::NotFound("no such file: " + path);
  return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
}

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang extension, not ISO C++

std::uint64_t SplitMix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Status ScanLines(const std::string& path,
                 const std::function<Status(std::int64_t offset, std::string_view line)>& visit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path);
  std::string pending;  // the start of a line that continues in the next chunk
  std::int64_t pending_offset = 0;
  std::int64_t file_offset = 0;
  std::vector<char> chunk(1 << 20);
  Status status;
  while (status.ok()) {
    const ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      status = Status::Unavailable("cannot read " + path + ": " + std::strerror(errno));
      break;
    }
    if (got == 0) break;
    std::size_t start = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(got) && status.ok(); ++i) {
      if (chunk[i] != '\n') continue;
      std::string_view piece(chunk.data() + start, i - start);
      if (pending.empty()) {
        if (!piece.empty()) status = visit(file_offset + static_cast<std::int64_t>(start), piece);
      } else {
        pending.append(piece);
        status = visit(pending_offset, pending);
        pending.clear();
      }
      start = i + 1;
    }
    if (start < static_cast<std::size_t>(got)) {
      if (pending.empty()) pending_offset = file_offset + static_cast<std::int64_t>(start);
      pending.append(chunk.data() + start, static_cast<std::size_t>(got) - start);
    }
    file_offset += got;
  }
  ::close(fd);
  if (status.ok() && !pending.empty()) status = visit(pending_offset, pending);
  return status;
}

StatusOr<LineFile> LineFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path);
  return LineFile(path, fd);
}

LineFile::LineFile(LineFile&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

LineFile& LineFile::operator=(LineFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

LineFile::~LineFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status LineFile::Read(std::int64_t offset, std::int64_t length, std::string* out) const {
  out->resize(static_cast<std::size_t>(length));
  std::int64_t done = 0;
  while (done < length) {
    const ssize_t got =
        ::pread(fd_, out->data() + done, static_cast<std::size_t>(length - done), offset + done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return Status::Unavailable("cannot read " + path_ + " (file changed or unreadable)");
    done += got;
  }
  return Status::Ok();
}

std::vector<std::int64_t> SeededPermutation(std::int64_t n, std::uint64_t seed) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  std::uint64_t state = seed;
  for (std::int64_t i = n - 1; i > 0; --i) {
    // Lemire's multiply-shift maps 64 random bits onto [0, i] without division.
    const auto j = static_cast<std::int64_t>(
        (static_cast<Uint128>(SplitMix(state)) * static_cast<std::uint64_t>(i + 1)) >> 64);
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  return p;
}

}  // namespace autotune::trainer
