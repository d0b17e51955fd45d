// Deterministic random streams. There is no global generator: every consumer
// derives its own engine from (seed, stream) so results depend only on those.
#pragma once

#include <algorithm>
#include <cstddef>
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

// std::seed_seq's generate() for four seed words, as the standard defines it
// ([rand.util.seedseq]) and with the same output, but without its
// per-element modulo operations, which made seeding an engine cost more
// than the draws of a random trial.
class SeedSeq4 {
 public:
  using result_type = std::uint32_t;
  explicit SeedSeq4(const std::uint32_t (&v)[4]) : v_{v[0], v[1], v[2], v[3]} {}
  template <typename It>
  void generate(It begin, It end) const {
    const std::size_t n = static_cast<std::size_t>(end - begin);
    if (n == 0) return;
    for (It it = begin; it != end; ++it) *it = 0x8b8b8b8bu;
    constexpr std::size_t s = 4;
    const std::size_t t = n >= 623 ? 11 : n >= 68 ? 7 : n >= 39 ? 5 : n >= 7 ? 3 : (n - 1) / 2;
    const std::size_t p = (n - t) / 2, q = p + t, m = std::max(s + 1, n);
    auto T = [](std::uint32_t x) { return x ^ (x >> 27); };
    auto at = [&](std::size_t i) -> std::uint32_t { return static_cast<std::uint32_t>(begin[i]); };
    // Indices k, k + p, k + q and k - 1, all mod n, stepped without division.
    std::size_t i = 0, ip = p % n, iq = q % n, im = n - 1;
    auto step = [&] {
      if (++i == n) i = 0;
      if (++ip == n) ip = 0;
      if (++iq == n) iq = 0;
      if (++im == n) im = 0;
    };
    for (std::size_t k = 0; k < m; ++k, step()) {
      const std::uint32_t r1 = 1664525u * T(at(i) ^ at(ip) ^ at(im));
      std::uint32_t r2 = r1 + static_cast<std::uint32_t>(i);
      if (k == 0)
        r2 = r1 + static_cast<std::uint32_t>(s);
      else if (k <= s)
        r2 += v_[k - 1];
      begin[ip] = at(ip) + r1;
      begin[iq] = at(iq) + r2;
      begin[i] = r2;
    }
    for (std::size_t k = m; k < m + n; ++k, step()) {
      const std::uint32_t r3 = 1566083941u * T(at(i) + at(ip) + at(im));
      const std::uint32_t r4 = r3 - static_cast<std::uint32_t>(i);
      begin[ip] = at(ip) ^ r3;
      begin[iq] = at(iq) ^ r4;
      begin[i] = r4;
    }
  }

 private:
  std::uint32_t v_[4];
};

// An engine for one independent stream of a seeded computation, e.g. the
// random draws of trial number `stream`. (The same engine as seeding through
// std::seed_seq with these four words; SeedSeq4 only computes it faster.)
inline std::mt19937_64 StreamRng(std::uint64_t seed, std::uint64_t stream) {
  const std::uint32_t words[4] = {static_cast<std::uint32_t>(Mix64(seed)),
                                  static_cast<std::uint32_t>(Mix64(seed) >> 32),
                                  static_cast<std::uint32_t>(Mix64(stream ^ 0xa5a5a5a5ULL)),
                                  static_cast<std::uint32_t>(Mix64(stream) >> 32)};
  SeedSeq4 seq(words);
  return std::mt19937_64(seq);
}

}  // namespace autotune
