#include "trainer/data/synthetic.h"

#include <cmath>
#include <numbers>

namespace autotune::trainer {
namespace {

std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t Hash(std::uint64_t a, std::uint64_t b, std::uint64_t c) { return Mix(Mix(Mix(a) ^ b) ^ c); }

// A standard normal draw determined by `h` (Box-Muller on two 53-bit uniforms).
float Gaussian(std::uint64_t h) {
  const std::uint64_t h2 = Mix(h);
  const double u1 = (static_cast<double>(h >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double u2 = static_cast<double>(h2 >> 11) * 0x1.0p-53;         // [0, 1)
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
}

constexpr std::uint64_t kCentreStream = 0xc3a5c85c97cb3127ULL;
constexpr std::uint64_t kLabelStream = 0xb492b66fbe98f273ULL;
constexpr std::uint64_t kNoiseStream = 0x9ae16a3b2f90404fULL;

std::uint64_t SplitKey(const SyntheticOptions& o, Split split) { return o.seed * 2 + (split == Split::kVal); }

class Synthetic final : public Dataset {
 public:
  Synthetic(SyntheticOptions options, int rank, int world) : o_(options), rank_(rank), world_(world) {}

  std::string Describe() const override {
    return "synthetic (" + std::to_string(o_.num_classes) + " classes, dim " + std::to_string(o_.dim) + ")";
  }
  std::int64_t num_classes() const override { return o_.num_classes; }
  SampleShape sample_shape() const override { return {o_.dim}; }
  std::int64_t LocalSize(Split split) const override {
    return StridedShareSize(GlobalSize(split), rank_, world_);
  }
  std::int64_t GlobalSize(Split split) const override {
    return split == Split::kTrain ? o_.train_size : o_.val_size;
  }
  std::int64_t EpochSize() const override { return o_.train_size / world_; }
  bool NeedsShuffle() const override { return false; }

  Status Fill(Split split, std::span<const std::int64_t> indices, float* inputs,
              std::int64_t* labels) const override {
    const std::uint64_t key = SplitKey(o_, split);
    const auto noise = static_cast<float>(o_.noise);
    for (std::size_t k = 0; k < indices.size(); ++k) {
      if (indices[k] < 0 || indices[k] >= LocalSize(split)) {
        return Status::InvalidArgument("sample index out of range");
      }
      const std::int64_t global = indices[k] * world_ + rank_;
      const std::int64_t label = SyntheticLabel(o_, split, global);
      float* x = inputs + static_cast<std::int64_t>(k) * o_.dim;
      for (std::int64_t d = 0; d < o_.dim; ++d) {
        const float centre = Gaussian(
            Hash(o_.seed ^ kCentreStream, static_cast<std::uint64_t>(label), static_cast<std::uint64_t>(d)));
        const float eps = Gaussian(
            Hash(key ^ kNoiseStream, static_cast<std::uint64_t>(global), static_cast<std::uint64_t>(d)));
        x[d] = centre + noise * eps;
      }
      labels[k] = label;
    }
    return Status::Ok();
  }

 private:
  SyntheticOptions o_;
  int rank_;
  int world_;
};

}  // namespace

std::int64_t SyntheticLabel(const SyntheticOptions& options, Split split, std::int64_t index) {
  const std::uint64_t h = Hash(SplitKey(options, split) ^ kLabelStream, static_cast<std::uint64_t>(index), 0);
  return static_cast<std::int64_t>(h % static_cast<std::uint64_t>(options.num_classes));
}

StatusOr<std::unique_ptr<Dataset>> OpenSynthetic(const SyntheticOptions& options, int rank, int world) {
  if (options.num_classes < 1) return Status::InvalidArgument("synthetic num_classes must be at least 1");
  if (options.dim < 1 || options.dim > 65536) {
    return Status::InvalidArgument("synthetic dim must be in [1, 65536]");
  }
  if (options.train_size < world) {
    return Status::InvalidArgument("synthetic train_size must be at least the world size");
  }
  if (options.val_size < 0) return Status::InvalidArgument("synthetic val_size must not be negative");
  if (!(options.noise >= 0 && std::isfinite(options.noise))) {
    return Status::InvalidArgument("synthetic noise must be a finite non-negative number");
  }
  return std::unique_ptr<Dataset>(std::make_unique<Synthetic>(options, rank, world));
}

}  // namespace autotune::trainer
