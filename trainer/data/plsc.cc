#include "trainer/data/plsc.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "trainer/data/base64.h"
#include "trainer/data/jpeg.h"
#include "trainer/data/lines.h"

namespace autotune::trainer {
namespace {

struct LineRef {
  std::int32_t file = 0;
  std::int64_t offset = 0;
  std::int64_t length = 0;
};

struct Meta {
  std::int64_t num_classes = 0;
  int parts = 0;
  std::int64_t per_part = 0;
  std::int64_t val_lines = 0;
};

StatusOr<Meta> ReadMeta(const std::string& dir) {
  const std::string path = dir + "/prepare.json";
  std::ifstream in(path);
  if (!in) {
    return Status::NotFound(path + " not found (run `autotune-trainer prepare` on the base64 files first)");
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    Meta m;
    m.num_classes = j.at("num_classes").get<std::int64_t>();
    m.parts = j.at("parts").get<int>();
    m.per_part = j.at("per_part").get<std::int64_t>();
    m.val_lines = j.at("val_lines").get<std::int64_t>();
    if (m.num_classes < 1 || m.parts < 1 || m.per_part < 1 || m.val_lines < 0) {
      return Status::InvalidArgument(path + ": counts out of range");
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(path + ": " + e.what());
  }
}

class PlscDataset final : public Dataset {
 public:
  PlscDataset(std::string dir, Meta meta, int image_size, int channels, std::int64_t epoch_size)
      : dir_(std::move(dir)),
        meta_(meta),
        image_size_(image_size),
        channels_(channels),
        epoch_size_(epoch_size) {}

  // Indexes `path` (file number `file` of this rank), keeping every
  // world-th line starting at `first` when `stride` > 1.
  Status AddFile(const std::string& path, Split split, int first, int stride) {
    AT_ASSIGN_OR_RETURN(LineFile f, LineFile::Open(path));
    const auto file = static_cast<std::int32_t>(files_.size());
    files_.push_back(std::move(f));
    std::vector<LineRef>& refs = split == Split::kTrain ? train_ : val_;
    std::int64_t n = 0;
    return ScanLines(path, [&](std::int64_t offset, std::string_view line) -> Status {
      if (n++ % stride != first) return Status::Ok();
      AT_ASSIGN_OR_RETURN(PlscSample s, ParsePlscLine(line));
      if (s.label >= meta_.num_classes) {
        return Status::InvalidArgument(path + ": label " + std::to_string(s.label) + " exceeds num_classes " +
                                       std::to_string(meta_.num_classes) + " of prepare.json");
      }
      refs.push_back({file, offset, static_cast<std::int64_t>(line.size())});
      return Status::Ok();
    });
  }

  std::string Describe() const override { return "plsc (" + dir_ + ")"; }
  std::int64_t num_classes() const override { return meta_.num_classes; }
  SampleShape sample_shape() const override { return {channels_, image_size_, image_size_}; }
  std::int64_t LocalSize(Split split) const override { return static_cast<std::int64_t>(Of(split).size()); }
  std::int64_t GlobalSize(Split split) const override {
    return split == Split::kTrain ? meta_.parts * meta_.per_part : meta_.val_lines;
  }
  std::int64_t EpochSize() const override { return epoch_size_; }

  Status Fill(Split split, std::span<const std::int64_t> indices, float* inputs,
              std::int64_t* labels) const override {
    const std::vector<LineRef>& refs = Of(split);
    const std::int64_t stride = NumElements(sample_shape());
    std::string line;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      const std::int64_t i = indices[k];
      if (i < 0 || i >= static_cast<std::int64_t>(refs.size())) {
        return Status::InvalidArgument("sample index out of range");
      }
      const LineRef& r = refs[static_cast<std::size_t>(i)];
      const LineFile& file = files_[static_cast<std::size_t>(r.file)];
      AT_RETURN_IF_ERROR(file.Read(r.offset, r.length, &line));
      AT_ASSIGN_OR_RETURN(PlscSample s, ParsePlscLine(line));
      auto jpeg = Base64Decode(s.base64_jpeg);
      if (!jpeg.ok()) return Status::InvalidArgument(file.path() + ": " + jpeg.status().message());
      auto image = DecodeJpeg(*jpeg, channels_);
      if (!image.ok()) return Status::InvalidArgument(file.path() + ": " + image.status().message());
      ToNormalizedChw(*image, image_size_, inputs + static_cast<std::int64_t>(k) * stride);
      labels[k] = s.label;
    }
    return Status::Ok();
  }

 private:
  const std::vector<LineRef>& Of(Split split) const { return split == Split::kTrain ? train_ : val_; }

  std::string dir_;
  Meta meta_;
  std::int64_t image_size_;
  std::int64_t channels_;
  std::int64_t epoch_size_;
  std::vector<LineFile> files_;
  std::vector<LineRef> train_;
  std::vector<LineRef> val_;
};

}  // namespace

StatusOr<PlscSample> ParsePlscLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::size_t tab = line.rfind('\t');
  if (tab == std::string_view::npos) {
    return Status::InvalidArgument("line has no tab between image and label");
  }
  PlscSample s;
  s.base64_jpeg = line.substr(0, tab);
  const std::string_view label = line.substr(tab + 1);
  const auto [end, ec] = std::from_chars(label.data(), label.data() + label.size(), s.label);
  if (ec != std::errc() || end != label.data() + label.size() || s.label < 0) {
    return Status::InvalidArgument("label '" + std::string(label.substr(0, 32)) +
                                   "' is not a non-negative integer");
  }
  return s;
}

StatusOr<std::unique_ptr<Dataset>> OpenPlsc(const std::string& dir, int rank, int world, int image_size,
                                            int channels) {
  if (image_size < 1 || (channels != 1 && channels != 3)) {
    return Status::InvalidArgument("image size must be positive and channels 1 or 3");
  }
  AT_ASSIGN_OR_RETURN(Meta meta, ReadMeta(dir));
  if (meta.parts < world) {
    return Status::InvalidArgument(dir + " holds " + std::to_string(meta.parts) + " parts for " +
                                   std::to_string(world) + " ranks (prepare with --parts " +
                                   std::to_string(world) + " or a multiple)");
  }
  // Rank r holds parts r, r + world, ...; the smallest share sets the epoch.
  const std::int64_t epoch_size = (meta.parts / world) * meta.per_part;
  auto ds = std::make_unique<PlscDataset>(dir, meta, image_size, channels, epoch_size);
  char name[32];
  for (int p = rank; p < meta.parts; p += world) {
    std::snprintf(name, sizeof(name), "/part-%05d.txt", p);
    const std::int64_t before = ds->LocalSize(Split::kTrain);
    AT_RETURN_IF_ERROR(ds->AddFile(dir + name, Split::kTrain, 0, 1));
    const std::int64_t lines = ds->LocalSize(Split::kTrain) - before;
    if (lines != meta.per_part) {
      return Status::InvalidArgument(dir + name + " holds " + std::to_string(lines) +
                                     " lines, prepare.json says " + std::to_string(meta.per_part));
    }
  }
  if (meta.val_lines > 0) AT_RETURN_IF_ERROR(ds->AddFile(dir + "/val.txt", Split::kVal, rank, world));
  return std::unique_ptr<Dataset>(std::move(ds));
}

}  // namespace autotune::trainer
