#include "trainer/data/idx.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace autotune::trainer {
namespace {

constexpr std::uint8_t kTypeUnsignedByte = 0x08;
constexpr int kMaxRank = 4;
// Refuses sizes that cannot be real (a corrupt header would otherwise ask for
// terabytes of memory).
constexpr std::int64_t kMaxElements = std::int64_t{1} << 36;

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads exactly n bytes; false on a short read or an error (message in *err).
bool ReadExact(gzFile f, void* out, std::size_t n, std::string* err) {
  auto* p = static_cast<unsigned char*>(out);
  while (n > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30));
    const int got = gzread(f, p, chunk);
    if (got < 0) {
      int code = 0;
      *err = gzerror(f, &code);
      return false;
    }
    if (got == 0) {
      *err = "truncated (unexpected end of file)";
      return false;
    }
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

Status Corrupt(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("corrupt IDX file " + path + ": " + what);
}

}  // namespace

StatusOr<IdxShare> ReadIdxShare(const std::string& path, int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world) {
    return Status::InvalidArgument("bad rank " + std::to_string(rank) + " of world " + std::to_string(world));
  }
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) {
    if (errno == ENOENT) return Status::NotFound("no such file: " + path);
    return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  }
  gzbuffer(f.get(), 1 << 17);
  std::string err;
  unsigned char magic[4];
  if (!ReadExact(f.get(), magic, 4, &err)) return Corrupt(path, err);
  if (magic[0] != 0 || magic[1] != 0) return Corrupt(path, "bad magic number");
  if (magic[2] != kTypeUnsignedByte) {
    return Corrupt(path, "value type " + std::to_string(magic[2]) + " is not unsigned byte (8)");
  }
  const int ndims = magic[3];
  if (ndims < 1 || ndims > kMaxRank) return Corrupt(path, "rank " + std::to_string(ndims) + " not in [1, 4]");
  IdxShare share;
  std::int64_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    unsigned char b[4];
    if (!ReadExact(f.get(), b, 4, &err)) return Corrupt(path, err);
    const std::int64_t size = (std::int64_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    if (size <= 0) return Corrupt(path, "dimension " + std::to_string(d) + " is empty");
    total *= size;
    if (total > kMaxElements) return Corrupt(path, "implausible size");
    share.dims.push_back(size);
    if (d > 0) share.row_size *= size;
  }
  const std::int64_t rows = share.dims[0];
  share.data.resize(static_cast<std::size_t>(StridedShareSize(rows, rank, world) * share.row_size));
  std::vector<std::uint8_t> skip(static_cast<std::size_t>(share.row_size));
  std::uint8_t* out = share.data.data();
  for (std::int64_t i = 0; i < rows; ++i) {
    const bool mine = i % world == rank;
    if (!ReadExact(f.get(), mine ? out : skip.data(), skip.size(), &err)) {
      return Corrupt(path, err + " at row " + std::to_string(i) + " of " + std::to_string(rows));
    }
    if (mine) out += share.row_size;
  }
  unsigned char extra;
  const int more = gzread(f.get(), &extra, 1);
  if (more < 0) {
    int code = 0;
    return Corrupt(path, gzerror(f.get(), &code));
  }
  if (more > 0) return Corrupt(path, "trailing bytes after " + std::to_string(rows) + " rows");
  return share;
}

Status WriteIdx(const std::string& path, const std::vector<std::int64_t>& dims,
                const std::vector<std::uint8_t>& data) {
  if (dims.empty() || dims.size() > kMaxRank) return Status::InvalidArgument("IDX rank must be 1..4");
  std::int64_t total = 1;
  for (std::int64_t d : dims) total *= d;
  if (total != static_cast<std::int64_t>(data.size())) {
    return Status::InvalidArgument("IDX data size does not match its dimensions");
  }
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  GzFile f(gzopen(path.c_str(), gz ? "wb" : "wbT"));
  if (!f) return Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  std::vector<unsigned char> header = {0, 0, kTypeUnsignedByte, static_cast<unsigned char>(dims.size())};
  for (std::int64_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<unsigned char>(d >> shift));
  }
  const auto write = [&](const void* p, std::size_t n) {
    return n == 0 || gzwrite(f.get(), p, static_cast<unsigned>(n)) == static_cast<int>(n);
  };
  if (!write(header.data(), header.size()) || !write(data.data(), data.size())) {
    return Status::Unavailable("cannot write " + path);
  }
  if (gzclose(f.release()) != Z_OK) return Status::Unavailable("cannot finish " + path);
  return Status::Ok();
}

}  // namespace autotune::trainer
