#include "trainer/data/sampler.h"

#include <algorithm>

#include "trainer/data/lines.h"

namespace autotune::trainer {
namespace {

std::uint64_t EpochSeed(std::uint64_t seed, std::int64_t epoch, int rank) {
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(epoch);
  x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ULL + static_cast<std::uint64_t>(rank);
  return x ^ (x >> 29);
}

}  // namespace

ShardSampler::ShardSampler(const Dataset& dataset, std::uint64_t seed, int rank, std::int64_t local_batch,
                           DataPosition start)
    : seed_(seed),
      rank_(rank),
      share_size_(dataset.LocalSize(Split::kTrain)),
      epoch_size_(dataset.EpochSize()),
      shuffle_(dataset.NeedsShuffle()),
      batch_(std::clamp<std::int64_t>(local_batch, 1, std::max<std::int64_t>(1, dataset.EpochSize()))),
      position_(start) {}

void ShardSampler::StartEpoch() {
  if (!shuffle_ || order_epoch_ == position_.epoch) return;
  // A permutation of the whole share, of which the first EpochSize() are
  // visited, so the sample a larger share leaves out differs between epochs.
  order_ = SeededPermutation(share_size_, EpochSeed(seed_, position_.epoch, rank_));
  order_epoch_ = position_.epoch;
}

std::vector<std::int64_t> ShardSampler::Next() {
  if (position_.offset + batch_ > epoch_size_) {
    ++position_.epoch;
    position_.offset = 0;
  }
  StartEpoch();
  std::vector<std::int64_t> batch(static_cast<std::size_t>(batch_));
  for (std::int64_t k = 0; k < batch_; ++k) {
    const std::int64_t pos = position_.offset + k;
    batch[static_cast<std::size_t>(k)] = shuffle_ ? order_[static_cast<std::size_t>(pos)] : pos;
  }
  position_.offset += batch_;
  return batch;
}

}  // namespace autotune::trainer
