// sobol: a scrambled Sobol quasi-random sequence in the unit cube, and the
// `sobol` searcher built on it.
//
// Generator: Sobol's construction with the direction numbers of Joe & Kuo
// (2008, "new-joe-kuo-6.21201") for the first kSobolTableDims dimensions,
// points taken in natural index order (point i XORs the direction numbers of
// the set bits of i), 32 binary digits per coordinate. Each coordinate is then
// Owen-scrambled (nested uniform scrambling): digit t is flipped by a hash of
// (seed, dimension, t, the t digits above it). That randomises the sequence for
// every seed while keeping its net property, so the first 2^m points of any
// seed put exactly one point in each elementary interval of volume 2^-m that
// the unscrambled sequence does (one point per 1/2^m slice in every dimension;
// in 2-D, one per cell of a 2^a x 2^b grid with a + b = m).
// Dimensions beyond the table (> kSobolTableDims) fall back to independent
// uniform draws keyed by (seed, dimension, index): plain random there.
//
// Searcher `sobol`: trial number i gets point i + skip of the sequence seeded
// by the study seed, decoded through the search space (ints and categoricals
// are rounded by Decode). Options: skip (int >= 0, default 0): start the
// sequence at that point.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "tuner/searchers/searcher.h"

namespace autotune {

// Dimensions with proper Sobol direction numbers (the first is van der Corput).
inline constexpr std::size_t kSobolTableDims = 40;

// A seeded scrambled Sobol sequence of fixed dimension. Cheap to copy; Point()
// is const and thread-compatible. Indices must be < 2^32.
class SobolSequence {
 public:
  SobolSequence(std::size_t dims, std::uint64_t seed);

  std::size_t dims() const { return dims_; }
  // Point `index` of the sequence, every coordinate in [0, 1).
  std::vector<double> Point(std::uint64_t index) const;
  // Same, written to out[0..dims).
  void Point(std::uint64_t index, double* out) const;

 private:
  std::size_t dims_;
  std::uint64_t seed_;
  // directions_[j][k]: direction number v_{k+1} of dimension j, as a 32-bit
  // binary fraction (only for j < kSobolTableDims).
  std::vector<std::array<std::uint32_t, 32>> directions_;
};

StatusOr<std::unique_ptr<Searcher>> MakeSobolSearcher(const Options& options, const SearchSpace& space,
                                                      std::uint64_t seed);

}  // namespace autotune
