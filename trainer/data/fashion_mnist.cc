#include "trainer/data/fashion_mnist.h"

#include <filesystem>

#include "trainer/data/idx.h"

namespace autotune::trainer {
namespace {

constexpr std::int64_t kClasses = 10;
// Per-pixel statistics of the Fashion-MNIST training images, for
// normalisation to roughly zero mean and unit variance.
constexpr float kMean = 0.2860f;
constexpr float kStd = 0.3530f;

struct SplitData {
  IdxShare images;
  IdxShare labels;
};

class FashionMnist final : public Dataset {
 public:
  FashionMnist(std::string dir, SplitData train, SplitData val, int world)
      : dir_(std::move(dir)), train_(std::move(train)), val_(std::move(val)), world_(world) {
    for (int i = 0; i < 256; ++i) lut_[i] = (static_cast<float>(i) / 255.0f - kMean) / kStd;
  }

  std::string Describe() const override { return "fashion-mnist (" + dir_ + ")"; }
  std::int64_t num_classes() const override { return kClasses; }
  SampleShape sample_shape() const override { return {1, train_.images.dims[1], train_.images.dims[2]}; }
  std::int64_t LocalSize(Split split) const override { return Of(split).labels.rows(); }
  std::int64_t GlobalSize(Split split) const override { return Of(split).labels.dims[0]; }
  std::int64_t EpochSize() const override { return train_.labels.dims[0] / world_; }

  Status Fill(Split split, std::span<const std::int64_t> indices, float* inputs,
              std::int64_t* labels) const override {
    const SplitData& s = Of(split);
    const std::int64_t row = s.images.row_size;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      const std::int64_t i = indices[k];
      if (i < 0 || i >= s.labels.rows()) return Status::InvalidArgument("sample index out of range");
      const std::uint8_t* px = s.images.data.data() + i * row;
      for (std::int64_t j = 0; j < row; ++j) inputs[static_cast<std::int64_t>(k) * row + j] = lut_[px[j]];
      labels[k] = s.labels.data[static_cast<std::size_t>(i)];
    }
    return Status::Ok();
  }

 private:
  const SplitData& Of(Split split) const { return split == Split::kTrain ? train_ : val_; }

  std::string dir_;
  SplitData train_;
  SplitData val_;
  int world_;
  float lut_[256];
};

// Finds name.gz or name in dir.
StatusOr<std::string> Locate(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {dir + "/" + name + ".gz", dir + "/" + name}) {
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) return candidate;
  }
  return Status::NotFound("Fashion-MNIST file " + name + "[.gz] not found in " + dir +
                          " (install the Debian package dataset-fashion-mnist, or pass --data-dir)");
}

StatusOr<SplitData> ReadSplit(const std::string& dir, const std::string& prefix, int rank, int world) {
  AT_ASSIGN_OR_RETURN(std::string images_path, Locate(dir, prefix + "-images-idx3-ubyte"));
  AT_ASSIGN_OR_RETURN(std::string labels_path, Locate(dir, prefix + "-labels-idx1-ubyte"));
  SplitData s;
  AT_ASSIGN_OR_RETURN(s.images, ReadIdxShare(images_path, rank, world));
  AT_ASSIGN_OR_RETURN(s.labels, ReadIdxShare(labels_path, rank, world));
  if (s.images.dims.size() != 3) {
    return Status::InvalidArgument(images_path + ": expected 3 dimensions (N, H, W)");
  }
  if (s.labels.dims.size() != 1) return Status::InvalidArgument(labels_path + ": expected 1 dimension (N)");
  if (s.images.dims[0] != s.labels.dims[0]) {
    return Status::InvalidArgument(images_path + " holds " + std::to_string(s.images.dims[0]) +
                                   " images but " + labels_path + " holds " +
                                   std::to_string(s.labels.dims[0]) + " labels");
  }
  for (std::uint8_t label : s.labels.data) {
    if (label >= kClasses) {
      return Status::InvalidArgument(labels_path + ": label " + std::to_string(label) + " is not in [0, 10)");
    }
  }
  return s;
}

}  // namespace

StatusOr<std::unique_ptr<Dataset>> OpenFashionMnist(const std::string& dir_in, int rank, int world) {
  const std::string dir = dir_in.empty() ? kFashionMnistDir : dir_in;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::NotFound(
        "Fashion-MNIST directory " + dir +
        " not found (install the Debian package dataset-fashion-mnist, or pass --data-dir)");
  }
  AT_ASSIGN_OR_RETURN(SplitData train, ReadSplit(dir, "train", rank, world));
  AT_ASSIGN_OR_RETURN(SplitData val, ReadSplit(dir, "t10k", rank, world));
  if (train.images.dims[1] != val.images.dims[1] || train.images.dims[2] != val.images.dims[2]) {
    return Status::InvalidArgument("Fashion-MNIST training and test images differ in size in " + dir);
  }
  if (train.labels.dims[0] < world) {
    return Status::InvalidArgument("Fashion-MNIST in " + dir + " has fewer training images than ranks");
  }
  return std::unique_ptr<Dataset>(
      std::make_unique<FashionMnist>(dir, std::move(train), std::move(val), world));
}

}  // namespace autotune::trainer
