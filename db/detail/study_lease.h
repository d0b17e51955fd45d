// Study leases (Store::AcquireStudy), shared by both stores.
//
// LeaseRegistry: the studies leased through one store object, for stores
// whose data no other process can see (the in-memory store, SQLite
// ":memory:"). FileLeases: an open-file-description lock (F_OFD_SETLK) on
// one byte per study of a side file `<db>-leases`; the kernel drops it when
// the lease closes its descriptor or the process dies (kill -9 included), and
// two descriptors of one process conflict like two processes do.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "db/store.h"

namespace autotune::db_detail {

class LeaseRegistry {
 public:
  LeaseRegistry() : state_(std::make_shared<State>()) {}
  // A lease of study_id, or nullptr when this registry already leased it.
  std::unique_ptr<StudyLease> TryAcquire(std::int64_t study_id);

 private:
  struct State {
    std::mutex mu;
    std::set<std::int64_t> leased;
  };
  std::shared_ptr<State> state_;  // shared with the leases, which may outlive the registry
};

// The lock file of a database file.
std::string LeaseFilePath(const std::string& db_path);

// A lease of study_id through the lock file: nullptr (and ok) when another
// descriptor holds it; an error when the file cannot be opened or locked.
StatusOr<std::unique_ptr<StudyLease>> TryLockStudyFile(const std::string& lock_path, std::int64_t study_id);

}  // namespace autotune::db_detail
