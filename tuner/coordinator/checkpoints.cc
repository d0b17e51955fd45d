#include "tuner/coordinator/checkpoints.h"

#include <filesystem>
#include <fstream>

namespace autotune {
namespace fs = std::filesystem;

void RemoveTree(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

CheckpointKeeper::CheckpointKeeper(Store& store, std::string root, std::string study, LogFn log)
    : store_(store),
      root_(fs::path(root).lexically_normal().string()),
      study_(std::move(study)),
      log_(std::move(log)) {}

bool CheckpointKeeper::Inside(const std::string& path) const {
  const fs::path rel = fs::path(path).lexically_normal().lexically_relative(root_);
  return !rel.empty() && *rel.begin() != ".." && *rel.begin() != ".";
}

StatusOr<std::string> CheckpointKeeper::SegmentDir(int number, std::int64_t begin, std::int64_t end) const {
  const std::string dir = (fs::path(root_) / study_ / ("trial-" + std::to_string(number)) /
                           ("steps-" + std::to_string(begin) + "-" + std::to_string(end) + "-try-{attempt}"))
                              .string();
  if (!Inside(dir) || fs::path(dir).lexically_normal().lexically_relative(root_).begin()->string() != study_) {
    return Status::InvalidArgument("study name '" + study_ + "' would put checkpoints outside " + root_, "name");
  }
  return dir;
}

Status CheckpointKeeper::Claim(const std::string& tag) const {
  const fs::path dir = fs::path(root_) / study_;
  const fs::path marker = dir / "STUDY";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
  std::ifstream in(marker);
  std::string found;
  if (in && std::getline(in, found) && found != tag) {
    return Status::FailedPrecondition("checkpoint folder " + dir.string() +
                                      " belongs to another store's study of the same name; "
                                      "give this run its own --checkpoint-dir");
  }
  if (found == tag) return Status::Ok();
  std::ofstream out(marker, std::ios::trunc);
  if (!(out << tag << "\n")) return Status::Unavailable("cannot write " + marker.string());
  return Status::Ok();
}

bool CheckpointKeeper::IsOwn(int number, const std::string& path) const {
  const fs::path own = fs::path(root_) / study_ / ("trial-" + std::to_string(number));
  const fs::path rel = fs::path(path).lexically_normal().lexically_relative(own);
  return !rel.empty() && *rel.begin() != ".." && *rel.begin() != ".";
}

StatusOr<std::string> CheckpointKeeper::CopyIn(int number, const std::string& source, const std::string& tag) const {
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(source) / "COMPLETE", ec)) {
    return Status::FailedPrecondition("checkpoint " + source + " is not complete (no COMPLETE marker)");
  }
  const fs::path dest = fs::path(root_) / study_ / ("trial-" + std::to_string(number)) / tag;
  const fs::path tmp = dest.string() + ".partial";
  if (!Inside(dest.string())) return Status::InvalidArgument("copy target " + dest.string() + " leaves the root");
  RemoveTree(tmp.string());
  RemoveTree(dest.string());  // a copy a crash left before it was recorded
  fs::create_directories(tmp, ec);
  if (ec) return Status::Unavailable("cannot create " + tmp.string() + ": " + ec.message());
  bool linked = true;
  for (auto it = fs::recursive_directory_iterator(source, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path rel = it->path().lexically_relative(source);
    if (rel.filename() == "COMPLETE") continue;  // written last
    const fs::path to = tmp / rel;
    if (it->is_directory()) {
      fs::create_directories(to, ec);
      continue;
    }
    if (linked) {
      fs::create_hard_link(it->path(), to, ec);
      if (!ec) continue;
      linked = false;  // another file system, or links refused: copy from here on
      ec.clear();
    }
    fs::copy_file(it->path(), to, ec);
    if (ec) break;
  }
  if (ec) {
    RemoveTree(tmp.string());
    return Status::Unavailable("cannot copy checkpoint " + source + " to " + dest.string() + ": " + ec.message());
  }
  { std::ofstream(tmp / "COMPLETE") << ""; }
  fs::rename(tmp, dest, ec);
  if (ec) return Status::Unavailable("cannot move " + tmp.string() + " into place: " + ec.message());
  return dest.string();
}

std::int64_t CheckpointKeeper::DiskUse(const std::string& path) {
  std::error_code ec;
  std::int64_t bytes = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) bytes += static_cast<std::int64_t>(it->file_size(ec));
  }
  return bytes;
}

std::string CheckpointKeeper::LogDir() const { return (fs::path(root_) / study_ / "logs").string(); }

StatusOr<bool> CheckpointKeeper::Delete(std::int64_t trial_id, const std::string& path) {
  if (path.empty()) return false;
  AT_ASSIGN_OR_RETURN(auto checkpoints, store_.ListCheckpoints(trial_id));
  bool deleted = false;
  for (const auto& c : checkpoints) {
    if (c.path != path || c.deleted) continue;
    Status s = store_.MarkCheckpointDeleted(c.id);
    if (s.code() == Status::Code::kFailedPrecondition) return false;  // pinned: someone resumes from it
    AT_RETURN_IF_ERROR(s);
    deleted = true;
  }
  if (deleted && Inside(path)) RemoveTree(path);
  return deleted;
}

void CheckpointKeeper::SweepFolders(const std::set<std::string>& live) const {
  std::error_code ec;
  const fs::path study_dir = fs::path(root_) / study_;
  for (const auto& trial : fs::directory_iterator(study_dir, ec)) {
    if (!trial.is_directory() || trial.path().filename().string().rfind("trial-", 0) != 0) continue;
    for (const auto& seg : fs::directory_iterator(trial.path(), ec)) {
      const std::string p = seg.path().lexically_normal().string();
      if (live.count(p) || !Inside(p)) continue;
      if (log_) log_("removing " + p + " (no trial can resume from it)");
      RemoveTree(p);
    }
    if (fs::is_empty(trial.path(), ec) && !ec) fs::remove(trial.path(), ec);
  }
}

void CheckpointKeeper::DiscardSegmentDir(const std::string& dir) const {
  if (dir.empty() || !Inside(dir)) return;
  RemoveTree(dir);
  std::error_code ec;
  const fs::path parent = fs::path(dir).parent_path();
  if (fs::is_empty(parent, ec) && !ec) fs::remove(parent, ec);
}

}  // namespace autotune
