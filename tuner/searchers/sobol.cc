#include "tuner/searchers/sobol.h"

#include "tuner/core/options.h"
#include "tuner/core/rng.h"

namespace autotune {
namespace {

// Joe & Kuo's primitive polynomials and initial direction numbers for
// dimensions 2..40: degree s, coefficient bits a, then m_1..m_s.
struct DirectionSeed {
  int s;
  std::uint32_t a;
  std::array<std::uint32_t, 8> m;
};

constexpr DirectionSeed kJoeKuo[kSobolTableDims - 1] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
    {7, 7, {1, 1, 3, 13, 7, 35, 63}},
    {7, 8, {1, 3, 5, 9, 1, 25, 53}},
    {7, 14, {1, 3, 1, 13, 9, 35, 107}},
    {7, 19, {1, 3, 1, 5, 27, 61, 31}},
    {7, 21, {1, 1, 5, 11, 19, 41, 61}},
    {7, 28, {1, 3, 5, 3, 3, 13, 69}},
    {7, 31, {1, 1, 7, 13, 1, 19, 1}},
    {7, 32, {1, 3, 7, 5, 13, 19, 59}},
    {7, 37, {1, 1, 3, 9, 25, 29, 41}},
    {7, 41, {1, 3, 5, 13, 23, 1, 55}},
    {7, 42, {1, 3, 7, 3, 13, 59, 17}},
    {7, 50, {1, 3, 1, 3, 5, 53, 69}},
    {7, 55, {1, 1, 5, 5, 23, 33, 13}},
    {7, 56, {1, 1, 7, 7, 1, 61, 123}},
    {7, 59, {1, 1, 7, 9, 13, 61, 49}},
    {7, 62, {1, 3, 3, 5, 3, 55, 33}},
    {8, 14, {1, 3, 1, 15, 31, 13, 49, 245}},
    {8, 21, {1, 3, 5, 15, 31, 59, 63, 97}},
    {8, 22, {1, 3, 1, 11, 11, 11, 77, 249}},
};

constexpr double kTwoPow32 = 4294967296.0;

std::array<std::uint32_t, 32> Directions(std::size_t dim) {
  std::array<std::uint32_t, 32> v{};
  if (dim == 0) {  // van der Corput: m_k = 1 for every k
    for (int k = 0; k < 32; ++k) v[k] = 1u << (31 - k);
    return v;
  }
  const DirectionSeed& d = kJoeKuo[dim - 1];
  std::array<std::uint64_t, 32> m{};
  for (int k = 0; k < 32; ++k) {
    if (k < d.s) {
      m[k] = d.m[k];
      continue;
    }
    // m_k = 2^s m_{k-s} xor m_{k-s} xor sum_{i=1}^{s-1} 2^i a_i m_{k-i},
    // with a_i the i-th coefficient bit of the polynomial (most significant first).
    std::uint64_t x = (m[k - d.s] << d.s) ^ m[k - d.s];
    for (int i = 1; i < d.s; ++i) {
      if ((d.a >> (d.s - 1 - i)) & 1u) x ^= m[k - i] << i;
    }
    m[k] = x;
  }
  for (int k = 0; k < 32; ++k) v[k] = static_cast<std::uint32_t>(m[k] << (31 - k));
  return v;
}

// Owen's nested uniform scramble of a 32-digit binary fraction: digit t (from
// the most significant) is flipped by a random bit that depends only on the
// digits above it, so points that share a prefix are permuted alike.
std::uint32_t OwenScramble(std::uint32_t x, std::uint64_t key) {
  std::uint32_t out = 0;
  for (int t = 0; t < 32; ++t) {
    const int bit = 31 - t;
    const std::uint64_t prefix = t == 0 ? 0 : (static_cast<std::uint64_t>(x) >> (bit + 1));
    const std::uint64_t h = Mix64(key ^ Mix64(prefix ^ (static_cast<std::uint64_t>(t) << 40)));
    const std::uint32_t flip = static_cast<std::uint32_t>(h >> 63);
    out |= (((x >> bit) & 1u) ^ flip) << bit;
  }
  return out;
}

class SobolSearcher : public Searcher {
 public:
  SobolSearcher(const SearchSpace& space, std::uint64_t seed, std::uint64_t skip)
      : space_(space), sequence_(space.dims(), seed), skip_(skip) {}

  StatusOr<std::vector<Params>> Suggest(const History& history, int n) override {
    std::vector<Params> out;
    for (int k = 0; k < n; ++k) {
      const std::uint64_t index = skip_ + history.trials.size() + static_cast<std::uint64_t>(k);
      if (index >= (std::uint64_t{1} << 32)) break;  // the sequence has 2^32 points
      out.push_back(space_.Decode(sequence_.Point(index)));
    }
    return out;
  }

  bool Exhausted(const History& history) const override {
    return skip_ + history.trials.size() >= (std::uint64_t{1} << 32);
  }

 private:
  SearchSpace space_;
  SobolSequence sequence_;
  std::uint64_t skip_;
};

}  // namespace

SobolSequence::SobolSequence(std::size_t dims, std::uint64_t seed) : dims_(dims), seed_(seed) {
  for (std::size_t j = 0; j < dims && j < kSobolTableDims; ++j) directions_.push_back(Directions(j));
}

std::vector<double> SobolSequence::Point(std::uint64_t index) const {
  std::vector<double> x(dims_);
  Point(index, x.data());
  return x;
}

void SobolSequence::Point(std::uint64_t index, double* out) const {
  const std::uint64_t base = Mix64(seed_ ^ 0x50b01c0ffee5eedULL);
  for (std::size_t j = 0; j < dims_; ++j) {
    const std::uint64_t key = Mix64(base + j);
    if (j >= kSobolTableDims) {  // beyond the table: an independent uniform draw
      out[j] = static_cast<double>(Mix64(key ^ Mix64(index)) >> 11) * 0x1.0p-53;
      continue;
    }
    std::uint32_t x = 0;
    std::uint64_t i = index;
    for (int k = 0; i != 0 && k < 32; ++k, i >>= 1) {
      if (i & 1u) x ^= directions_[j][k];
    }
    out[j] = static_cast<double>(OwenScramble(x, key)) / kTwoPow32;
  }
}

StatusOr<std::unique_ptr<Searcher>> MakeSobolSearcher(const Options& options, const SearchSpace& space,
                                                      std::uint64_t seed) {
  OptionReader reader(options);
  const std::int64_t skip = reader.Int("skip", 0, 0, std::int64_t{1} << 31);
  AT_RETURN_IF_ERROR(reader.Finish());
  return std::unique_ptr<Searcher>(new SobolSearcher(space, seed, static_cast<std::uint64_t>(skip)));
}

}  // namespace autotune
