// Checkpoint housekeeping of one study: where segments write, and removing
// checkpoints nobody can need any more. A checkpoint's deletion is recorded
// in the store before its files go; the store refuses it while an unfinished
// trial would resume from it (pinned), and then nothing is removed.
// Folders are named only from the study's name (validated by the spec) and
// numbers, and every path is checked to stay inside the checkpoint root.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "db/store.h"

namespace autotune {

class CheckpointKeeper {
 public:
  using LogFn = std::function<void(const std::string&)>;
  CheckpointKeeper(Store& store, std::string root, std::string study, LogFn log);

  // Marks <root>/<study> as this study's (tag: something unique to the study
  // in its store), or refuses (FailedPrecondition) when another store's study
  // of the same name already uses it: its folders would be swept as orphans.
  Status Claim(const std::string& tag) const;

  // <root>/<study>/trial-<number>/steps-<begin>-<end>-try-{attempt}; the
  // store fills in the attempt, so every try writes a fresh folder.
  // InvalidArgument if the result would leave the root.
  StatusOr<std::string> SegmentDir(int number, std::int64_t begin, std::int64_t end) const;

  // <root>/<study>/logs: the segments' full output.
  std::string LogDir() const;

  // Whether `path` lies in trial `number`'s own folder.
  bool IsOwn(int number, const std::string& path) const;

  // Copies a complete checkpoint of another trial into a fresh folder of
  // trial `number` (hard links where the file system allows, else copies),
  // atomically: the folder appears, with its COMPLETE marker, only when whole.
  // `tag` names the copy ("gen-3-from-2-step-40"). FailedPrecondition when
  // the source is not a complete checkpoint.
  StatusOr<std::string> CopyIn(int number, const std::string& source, const std::string& tag) const;

  // The bytes of the files under `path`.
  static std::int64_t DiskUse(const std::string& path);

  // Records path (a checkpoint of trial_id) deleted and removes its files.
  // Returns false, removing nothing, when the store says it is pinned or
  // unknown; errors of the store otherwise.
  StatusOr<bool> Delete(std::int64_t trial_id, const std::string& path);

  // After a crash: removes the files of checkpoints marked deleted, of
  // unfinished segments' folders and of anything else under the study's
  // trial folders that is not a live checkpoint. `live` are the paths to keep.
  void SweepFolders(const std::set<std::string>& live) const;

  // Removes a folder that never became a checkpoint (failed or cancelled
  // segment), and its trial folder when that is left empty.
  void DiscardSegmentDir(const std::string& dir) const;

 private:
  bool Inside(const std::string& path) const;

  Store& store_;
  std::string root_, study_;
  LogFn log_;
};

// Removes a directory tree, ignoring errors (it may never have been created).
void RemoveTree(const std::string& dir);

}  // namespace autotune
