// Dataset: one rank's share of a labelled data set, split into a training part
// and a held-out part. Every data source (Fashion-MNIST IDX files, PLSC base64
// lines, the synthetic many-class generator) implements it, so the training
// loop never knows where samples come from. No LibTorch here: samples are
// written into caller-owned float buffers, which keeps these files cheap to
// compile and easy to test.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tuner/core/status.h"

namespace autotune::trainer {

enum class Split { kTrain, kVal };

// Where a rank stands in its training data: `epoch` counts completed passes
// over the share and `offset` is the next sample position inside the current
// epoch's order. Identical on every rank (ranks move in lockstep), stored in
// checkpoints so a resumed segment continues the same sample order.
struct DataPosition {
  std::int64_t epoch = 0;
  std::int64_t offset = 0;
  friend bool operator==(const DataPosition&, const DataPosition&) = default;
};

// The shape of one sample without the batch dimension: {C, H, W} for images,
// {D} for vectors.
using SampleShape = std::vector<std::int64_t>;

inline std::int64_t NumElements(const SampleShape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

// One rank's share. Shares of the ranks are disjoint; together they cover the
// data set (minus at most world-1 training samples, see EpochSize). The
// held-out split is always shared strided (rank r holds global samples r,
// r + world, ... in that order), so the first k held-out samples of the data
// set are a prefix of every rank's share (what evaluating a subset relies on). All methods
// are const and reentrant, so a prefetching thread may call Fill concurrently
// with the trainer.
class Dataset {
 public:
  virtual ~Dataset() = default;

  // A short description for logs ("fashion-mnist (/usr/share/...)").
  virtual std::string Describe() const = 0;
  virtual std::int64_t num_classes() const = 0;
  virtual SampleShape sample_shape() const = 0;

  // Samples of `split` held by this rank.
  virtual std::int64_t LocalSize(Split split) const = 0;
  // Samples of `split` over all ranks (for the held-out split this is the
  // number of samples an evaluation scores).
  virtual std::int64_t GlobalSize(Split split) const = 0;
  // Training samples per rank and epoch: the same on every rank (the smallest
  // share), so that ranks take the same number of steps per epoch.
  virtual std::int64_t EpochSize() const = 0;
  // Whether the training order must be shuffled each epoch. False for sources
  // whose samples are already independent draws (the synthetic generator), so
  // that a share of billions of samples needs no permutation in memory.
  virtual bool NeedsShuffle() const { return true; }

  // Writes samples `indices` (positions in this rank's share of `split`,
  // each < LocalSize(split)) into `inputs` (indices.size() * NumElements(
  // sample_shape()) floats, normalised) and their classes into `labels`.
  virtual Status Fill(Split split, std::span<const std::int64_t> indices, float* inputs,
                      std::int64_t* labels) const = 0;
};

// Which samples of a data set of `n` samples rank `rank` of `world` holds when
// shares are strided (sample i belongs to rank i % world).
inline std::int64_t StridedShareSize(std::int64_t n, int rank, int world) {
  return n / world + (rank < n % world ? 1 : 0);
}

}  // namespace autotune::trainer
