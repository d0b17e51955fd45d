// ShardSampler: the order in which one rank visits its training share.
//
// Each epoch visits EpochSize() samples of the share (identical on every
// rank) in an order seeded by (seed, epoch, rank); an incomplete last batch is
// dropped and the next epoch starts. The state is a DataPosition, so a sampler
// rebuilt at a saved position continues exactly the sequence an uninterrupted
// one would have produced.
#pragma once

#include <cstdint>
#include <vector>

#include "trainer/data/dataset.h"

namespace autotune::trainer {

class ShardSampler {
 public:
  // `local_batch` must be in [1, dataset.EpochSize()] (checked by the caller's
  // configuration; a larger batch is clamped so the sampler always advances).
  ShardSampler(const Dataset& dataset, std::uint64_t seed, int rank, std::int64_t local_batch,
               DataPosition start = {});

  // The share positions of the next batch; advances the position.
  std::vector<std::int64_t> Next();
  const DataPosition& position() const { return position_; }

 private:
  void StartEpoch();

  std::uint64_t seed_;
  int rank_;
  std::int64_t share_size_;
  std::int64_t epoch_size_;
  bool shuffle_;
  std::int64_t batch_;
  DataPosition position_;
  std::int64_t order_epoch_ = -1;  // the epoch `order_` belongs to
  std::vector<std::int64_t> order_;
};

}  // namespace autotune::trainer
