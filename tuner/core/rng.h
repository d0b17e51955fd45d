// Deterministic random streams. There is no global generator: every consumer
// derives its own engine from (seed, stream) so results depend only on those.
#pragma once

#include <cstdint>
#include <random>

namespace autotune {

// SplitMix64 finaliser: a well-mixed 64-bit hash.
inline std::uint64_t Mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// An engine for one independent stream of a seeded computation, e.g. the
// random draws of trial number `stream`.
inline std::mt19937_64 StreamRng(std::uint64_t seed, std::uint64_t stream) {
  std::seed_seq seq{static_cast<std::uint32_t>(Mix64(seed)), static_cast<std::uint32_t>(Mix64(seed) >> 32),
                    static_cast<std::uint32_t>(Mix64(stream ^ 0xa5a5a5a5ULL)),
                    static_cast<std::uint32_t>(Mix64(stream) >> 32)};
  return std::mt19937_64(seq);
}

}  // namespace autotune
