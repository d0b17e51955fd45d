// A synthetic many-class data set for scale tests: every class has a seeded
// centre in R^dim and a sample is its class's centre plus Gaussian noise.
// Nothing is materialised: a sample is computed from (seed, split, index)
// when asked for, and a class centre from (seed, class), so millions of
// classes and billions of samples cost no memory.
#pragma once

#include <cstdint>
#include <memory>

#include "trainer/data/dataset.h"

namespace autotune::trainer {

struct SyntheticOptions {
  std::int64_t num_classes = 1000;
  std::int64_t dim = 64;                            // vector samples of this size
  std::int64_t train_size = std::int64_t{1} << 32;  // global, per epoch
  std::int64_t val_size = 10000;                    // global
  double noise = 0.5;                               // noise std relative to a centre's per-dimension std
  std::uint64_t seed = 0;
};

// Rank `rank` holds global samples i with i % world == rank. Options out of
// range are InvalidArgument.
StatusOr<std::unique_ptr<Dataset>> OpenSynthetic(const SyntheticOptions& options, int rank, int world);

// The label of global sample `index` of `split` (exposed for tests).
std::int64_t SyntheticLabel(const SyntheticOptions& options, Split split, std::int64_t index);

}  // namespace autotune::trainer
