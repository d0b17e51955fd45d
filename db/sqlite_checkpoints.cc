// SQLite Store: checkpoints (recording copies, pins, deletion).
#include <utility>
#include <vector>

#include "db/detail/sqlite_store_impl.h"

namespace autotune::db_detail {
namespace {

constexpr const char* kCheckpointsOfTrial =
    "SELECT " AT_CHECKPOINT_COLUMNS " FROM checkpoints WHERE trial_id = ? ORDER BY id";
constexpr const char* kCheckpointById = "SELECT " AT_CHECKPOINT_COLUMNS " FROM checkpoints WHERE id = ?";
constexpr const char* kLiveCheckpointsOfStudy =
    "SELECT c.id, c.trial_id, c.segment_id, c.step, c.path, c.deleted, c.origin_trial_id, c.bytes "
    "FROM checkpoints c JOIN trials t ON t.id = c.trial_id WHERE t.study_id = ? AND c.deleted = 0 "
    "ORDER BY c.id";
constexpr const char* kInsertCopy =
    "INSERT INTO checkpoints (trial_id, segment_id, step, path, origin_trial_id, bytes) "
    "VALUES (?, NULL, ?, ?, ?, ?)";
constexpr const char* kSetTrialCheckpoint = "UPDATE trials SET checkpoint = ?, updated_at = ? WHERE id = ?";
// Pinned: an unfinished trial would resume from it.
constexpr const char* kPinnedBy =
    "SELECT number FROM trials WHERE checkpoint = ? AND checkpoint != '' "
    "AND state NOT IN ('completed', 'pruned', 'failed') LIMIT 1";
constexpr const char* kMarkCheckpointDeleted = "UPDATE checkpoints SET deleted = 1 WHERE id = ?";

Status TrialNotFound(std::int64_t id) {
  return Status::NotFound("trial " + std::to_string(id) + " not found");
}

}  // namespace

StatusOr<std::vector<CheckpointRecord>> SqliteStore::ListCheckpoints(std::int64_t trial_id) {
  return Guarded("ListCheckpoints", [&]() -> StatusOr<std::vector<CheckpointRecord>> {
    auto txn = Read();
    if (!TrialExists(trial_id)) return TrialNotFound(trial_id);
    auto q = stmts_.Get(kCheckpointsOfTrial);
    q->bind(1, static_cast<int64_t>(trial_id));
    std::vector<CheckpointRecord> out;
    while (q->executeStep()) out.push_back(ReadCheckpoint(*q));
    txn.commit();
    return out;
  });
}

StatusOr<CheckpointRecord> SqliteStore::RecordCheckpoint(const CheckpointRecord& checkpoint) {
  return Guarded("RecordCheckpoint", [&]() -> StatusOr<CheckpointRecord> {
    if (checkpoint.path.empty()) return Status::InvalidArgument("must not be empty", "path");
    if (checkpoint.step < 0) return Status::InvalidArgument("must be >= 0", "step");
    auto txn = Write();
    const std::optional<TrialHead> head = FindTrialHead(checkpoint.trial_id);
    if (!head) return TrialNotFound(checkpoint.trial_id);
    if (head->state == TrialState::kRunning || IsFinished(head->state)) {
      return Status::FailedPrecondition("trial " + std::to_string(checkpoint.trial_id) + " is " +
                                        ToString(head->state) + "; only a waiting trial takes a new checkpoint");
    }
    if (checkpoint.origin_trial_id && !TrialExists(*checkpoint.origin_trial_id))
      return TrialNotFound(*checkpoint.origin_trial_id);
    CheckpointRecord out = checkpoint;
    out.segment_id = 0;
    out.deleted = false;
    {
      auto q = stmts_.Get(kInsertCopy);
      q->bind(1, static_cast<int64_t>(out.trial_id));
      q->bind(2, static_cast<int64_t>(out.step));
      q->bind(3, out.path);
      BindOptionalId(*q, 4, out.origin_trial_id);
      q->bind(5, static_cast<int64_t>(out.bytes));
      q->exec();
      out.id = db_->getLastInsertRowid();
    }
    auto q = stmts_.Get(kSetTrialCheckpoint);
    q->bind(1, out.path);
    q->bind(2, clock_());
    q->bind(3, static_cast<int64_t>(out.trial_id));
    q->exec();
    txn.commit();
    return out;
  });
}

Status SqliteStore::MarkCheckpointDeleted(std::int64_t checkpoint_id) {
  return Guarded("MarkCheckpointDeleted", [&]() -> Status {
    auto txn = Write();
    CheckpointRecord c;
    {
      auto q = stmts_.Get(kCheckpointById);
      q->bind(1, static_cast<int64_t>(checkpoint_id));
      if (!q->executeStep()) return Status::NotFound("checkpoint " + std::to_string(checkpoint_id) + " not found");
      c = ReadCheckpoint(*q);
    }
    {
      auto q = stmts_.Get(kPinnedBy);
      q->bind(1, c.path);
      if (q->executeStep()) {
        return Status::FailedPrecondition("checkpoint " + c.path + " is pinned: trial " +
                                          std::to_string(q->getColumn(0).getInt()) + " would resume from it");
      }
    }
    auto q = stmts_.Get(kMarkCheckpointDeleted);
    q->bind(1, static_cast<int64_t>(checkpoint_id));
    q->exec();
    txn.commit();
    return Status::Ok();
  });
}

StatusOr<std::vector<CheckpointRecord>> SqliteStore::ListLiveCheckpoints(std::int64_t study_id) {
  return Guarded("ListLiveCheckpoints", [&]() -> StatusOr<std::vector<CheckpointRecord>> {
    auto txn = Read();
    if (!StudyExists(study_id)) return Status::NotFound("study " + std::to_string(study_id) + " not found");
    auto q = stmts_.Get(kLiveCheckpointsOfStudy);
    q->bind(1, static_cast<int64_t>(study_id));
    std::vector<CheckpointRecord> out;
    while (q->executeStep()) out.push_back(ReadCheckpoint(*q));
    txn.commit();
    return out;
  });
}

}  // namespace autotune::db_detail
