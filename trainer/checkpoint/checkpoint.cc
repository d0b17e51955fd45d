#include "trainer/checkpoint/checkpoint.h"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace autotune::trainer {
namespace {

namespace fs = std::filesystem;

constexpr char kManifestFile[] = "manifest.json";
constexpr char kBackboneFile[] = "backbone.pt";
constexpr char kOptimizerFile[] = "optimizer.pt";

std::string FirstLine(const std::exception& e) {
  std::string what = e.what();
  return what.substr(0, what.find('\n'));
}

// Writes through `write(tmp_path)` then renames into place, so a reader never
// sees a half-written file under the final name.
template <typename Write>
Status WriteAtomically(const fs::path& path, Write&& write) {
  const fs::path tmp = path.string() + ".tmp";
  try {
    write(tmp.string());
    fs::rename(tmp, path);
    return Status::Ok();
  } catch (const std::exception& e) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Status::Unavailable("cannot write " + path.string() + ": " + FirstLine(e));
  }
}

Status WriteText(const fs::path& path, const std::string& text) {
  return WriteAtomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("write failed");
  });
}

// A collective "everyone succeeded?": an all-reduce that doubles as a barrier,
// so a rank whose write failed never leaves the others waiting.
Status AgreeOk(Communicator& comm, const Status& local, const std::string& what) {
  torch::Tensor failed = torch::full({1}, local.ok() ? 0.0f : 1.0f);
  AT_RETURN_IF_ERROR(comm.AllReduce(failed, ReduceOp::kMax));
  if (!local.ok()) return local;
  if (failed.item<float>() > 0) {
    return Status::Unavailable("another rank failed while " + what + "; the checkpoint is incomplete");
  }
  return Status::Ok();
}

std::string SlotKey(const std::string& slot) { return "slot_" + slot; }

Status WriteShard(const fs::path& path, const ShardedClassifier& classifier) {
  return WriteAtomically(path, [&](const std::string& tmp) {
    torch::serialize::OutputArchive archive;
    const ClassRange range = classifier.range();
    archive.write("range", torch::tensor({range.begin, range.end}, torch::kInt64));
    archive.write("optimizer_steps", torch::tensor({classifier.optimizer_steps()}, torch::kInt64));
    archive.write("weight", classifier.weight().cpu());
    for (const auto& [name, slot] : classifier.slots()) archive.write(SlotKey(name), slot.cpu());
    archive.save_to(tmp);
  });
}

// Shapes of every parameter and buffer, to detect a backbone file that does
// not fit (Module::load would silently take the file's shapes).
std::map<std::string, std::vector<int64_t>> Shapes(const torch::nn::Module& module) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& p : module.named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  for (const auto& b : module.named_buffers()) shapes[b.key()] = b.value().sizes().vec();
  return shapes;
}

// Copies the rows of [want.begin, want.end) held by the checkpoint's shard
// files into `weight` and `slots` (already shaped for `want`).
Status LoadRows(const fs::path& dir, const CheckpointManifest& manifest, ClassRange want, bool load_slots,
                ShardedClassifier& classifier) {
  torch::NoGradGuard no_grad;
  bool steps_read = false;
  for (int r = 0; r < manifest.world_size; ++r) {
    const ClassRange held = ShardRange(manifest.num_classes, manifest.world_size, r);
    const int64_t lo = std::max(held.begin, want.begin);
    const int64_t hi = std::min(held.end, want.end);
    if (lo >= hi && steps_read) continue;
    const fs::path path = dir / ShardFileName(r, manifest.world_size);
    torch::serialize::InputArchive archive;
    torch::Tensor range, weight, steps;
    try {
      archive.load_from(path.string());
      archive.read("range", range);
      archive.read("weight", weight);
      archive.read("optimizer_steps", steps);
    } catch (const std::exception& e) {
      return Status::InvalidArgument("checkpoint " + dir.string() + ": unreadable shard " +
                                     path.filename().string() + ": " + FirstLine(e));
    }
    if (range.numel() != 2 || range[0].item<int64_t>() != held.begin ||
        range[1].item<int64_t>() != held.end || weight.dim() != 2 || weight.size(0) != held.size() ||
        weight.size(1) != manifest.embedding_size) {
      return Status::InvalidArgument("checkpoint " + dir.string() + ": shard " + path.filename().string() +
                                     " does not match the manifest");
    }
    if (load_slots && !steps_read) classifier.set_optimizer_steps(steps.item<int64_t>());
    steps_read = true;
    if (lo >= hi) continue;
    const int64_t n = hi - lo;
    classifier.weight().narrow(0, lo - want.begin, n).copy_(weight.narrow(0, lo - held.begin, n));
    if (!load_slots) continue;
    for (auto& [name, slot] : classifier.slots()) {
      torch::Tensor saved;
      if (archive.try_read(SlotKey(name), saved) && saved.sizes() == weight.sizes()) {
        slot.narrow(0, lo - want.begin, n).copy_(saved.narrow(0, lo - held.begin, n));
      } else {
        slot.narrow(0, lo - want.begin, n).zero_();
      }
    }
  }
  return Status::Ok();
}

}  // namespace

std::string ShardFileName(int rank, int world_size) {
  char name[64];
  std::snprintf(name, sizeof(name), "shard-%05d-of-%05d.pt", rank, world_size);
  return name;
}

Status SaveCheckpoint(Communicator& comm, const std::string& dir_name, const CheckpointManifest& manifest_in,
                      BackboneImpl& backbone, torch::optim::Optimizer* backbone_optimizer,
                      const ShardedClassifier& classifier) {
  const fs::path dir(dir_name);
  const bool leader = comm.rank() == 0;
  Status local;
  try {
    fs::create_directories(dir);
    if (leader) fs::remove(dir / kCompleteMarker);
  } catch (const std::exception& e) {
    local = Status::Unavailable("cannot prepare checkpoint directory " + dir_name + ": " + FirstLine(e));
  }
  AT_RETURN_IF_ERROR(AgreeOk(comm, local, "preparing the checkpoint directory"));

  local = WriteShard(dir / ShardFileName(comm.rank(), comm.world_size()), classifier);
  if (leader && local.ok()) {
    CheckpointManifest manifest = manifest_in;
    manifest.format_version = kCheckpointFormatVersion;
    manifest.num_classes = classifier.num_classes();
    manifest.embedding_size = classifier.embedding_size();
    manifest.world_size = comm.world_size();
    manifest.backbone = backbone.options();
    manifest.shard_optimizer = ShardOptimizerKindName(classifier.optimizer().kind);
    manifest.has_backbone_optimizer = backbone_optimizer != nullptr;
    local = WriteAtomically(dir / kBackboneFile, [&](const std::string& tmp) {
      torch::serialize::OutputArchive archive;
      backbone.save(archive);
      archive.save_to(tmp);
    });
    if (local.ok() && backbone_optimizer != nullptr) {
      local = WriteAtomically(dir / kOptimizerFile, [&](const std::string& tmp) {
        torch::serialize::OutputArchive archive;
        backbone_optimizer->save(archive);
        archive.save_to(tmp);
      });
    }
    if (local.ok()) local = WriteText(dir / kManifestFile, ManifestToJson(manifest).dump(2));
  }
  AT_RETURN_IF_ERROR(AgreeOk(comm, local, "writing the checkpoint"));

  if (leader) local = WriteText(dir / kCompleteMarker, "");
  return AgreeOk(comm, local, "completing the checkpoint");
}

StatusOr<CheckpointManifest> ReadCheckpointManifest(const std::string& dir_name) {
  const fs::path dir(dir_name);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound("checkpoint " + dir_name + " does not exist");
  }
  if (!fs::exists(dir / kCompleteMarker, ec)) {
    return Status::FailedPrecondition("checkpoint " + dir_name + " is incomplete (no COMPLETE marker)");
  }
  std::ifstream in(dir / kManifestFile, std::ios::binary);
  if (!in) return Status::InvalidArgument("checkpoint " + dir_name + " has no manifest.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  StatusOr<CheckpointManifest> manifest = ManifestFromJson(text);
  if (!manifest.ok()) {
    return Status::InvalidArgument("checkpoint " + dir_name +
                                   ": corrupt manifest.json: " + manifest.status().message());
  }
  return manifest;
}

StatusOr<CheckpointManifest> LoadCheckpoint(const std::string& dir_name, const LoadOptions& options,
                                            BackboneImpl& backbone,
                                            torch::optim::Optimizer* backbone_optimizer,
                                            ShardedClassifier* classifier) {
  AT_ASSIGN_OR_RETURN(CheckpointManifest manifest, ReadCheckpointManifest(dir_name));
  const fs::path dir(dir_name);
  const std::string where = "checkpoint " + dir_name + ": ";
  if (!(manifest.backbone == backbone.options())) {
    return Status::FailedPrecondition(where + "written for backbone " + DescribeBackbone(manifest.backbone) +
                                      ", this model is " + DescribeBackbone(backbone.options()));
  }
  if (options.load_classifier) {
    if (classifier == nullptr) {
      return Status::InvalidArgument("loading the classifier needs a classifier");
    }
    if (classifier->embedding_size() != manifest.embedding_size ||
        classifier->num_classes() != manifest.num_classes) {
      return Status::FailedPrecondition(where + "its classifier has " + std::to_string(manifest.num_classes) +
                                        " classes x " + std::to_string(manifest.embedding_size) +
                                        " dims, this model " + std::to_string(classifier->num_classes()) +
                                        " x " + std::to_string(classifier->embedding_size()) +
                                        " (reset the classification layer to fine-tune on new classes)");
    }
  }
  if (options.load_optimizer_state && backbone_optimizer != nullptr && !manifest.has_backbone_optimizer) {
    return Status::FailedPrecondition(where + "holds no optimiser state");
  }

  try {
    const auto shapes = Shapes(backbone);
    torch::serialize::InputArchive archive;
    archive.load_from((dir / kBackboneFile).string());
    backbone.load(archive);
    if (Shapes(backbone) != shapes) {
      return Status::InvalidArgument(where + "backbone.pt does not fit the backbone");
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument(where + "unreadable backbone.pt: " + FirstLine(e));
  }
  if (options.load_optimizer_state && backbone_optimizer != nullptr) {
    try {
      torch::serialize::InputArchive archive;
      archive.load_from((dir / kOptimizerFile).string());
      backbone_optimizer->load(archive);
    } catch (const std::exception& e) {
      return Status::InvalidArgument(where +
                                     "unreadable optimizer.pt (different optimiser?): " + FirstLine(e));
    }
  }
  if (options.load_classifier) {
    AT_RETURN_IF_ERROR(
        LoadRows(dir, manifest, classifier->range(), options.load_optimizer_state, *classifier));
  }
  return manifest;
}

}  // namespace autotune::trainer
