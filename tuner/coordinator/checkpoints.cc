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
