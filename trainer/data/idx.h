// IDX files (the format of MNIST and Fashion-MNIST): a big-endian header
// (two zero bytes, a type byte, a rank byte, then one 32-bit size per
// dimension) followed by the values. Only unsigned-byte files are read, which
// is what both data sets use. Files may be gzip-compressed or plain (zlib reads
// both).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trainer/data/dataset.h"
#include "tuner/core/status.h"

namespace autotune::trainer {

// The rows of an IDX file kept by one rank: rows i with i % world == rank, in
// file order. dims[0] is the number of rows in the whole file; row_size is the
// product of the other dimensions.
struct IdxShare {
  std::vector<std::int64_t> dims;
  std::int64_t row_size = 1;
  std::vector<std::uint8_t> data;  // kept rows, row_size bytes each
  std::int64_t rows() const { return row_size == 0 ? 0 : static_cast<std::int64_t>(data.size()) / row_size; }
};

// Reads `path`, streaming it so that memory holds only this rank's rows. A
// missing file is NotFound; a bad header, a truncated body or trailing bytes
// is InvalidArgument naming the file.
StatusOr<IdxShare> ReadIdxShare(const std::string& path, int rank, int world);

// Writes an unsigned-byte IDX file, gzip-compressed when `path` ends in ".gz"
// (used by tests and tools that build small data sets).
Status WriteIdx(const std::string& path, const std::vector<std::int64_t>& dims,
                const std::vector<std::uint8_t>& data);

}  // namespace autotune::trainer
