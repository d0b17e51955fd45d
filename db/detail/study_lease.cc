#include "db/detail/study_lease.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

namespace autotune::db_detail {
namespace {

class RegistryLease final : public StudyLease {
 public:
  using Release = std::function<void()>;
  explicit RegistryLease(Release release) : release_(std::move(release)) {}
  ~RegistryLease() override { release_(); }

 private:
  Release release_;
};

class FileLease final : public StudyLease {
 public:
  explicit FileLease(int fd) : fd_(fd) {}
  ~FileLease() override { ::close(fd_); }  // closing the description drops its OFD lock

 private:
  int fd_;
};

}  // namespace

std::unique_ptr<StudyLease> LeaseRegistry::TryAcquire(std::int64_t study_id) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (!state_->leased.insert(study_id).second) return nullptr;
  std::weak_ptr<State> weak = state_;
  return std::make_unique<RegistryLease>([weak, study_id] {
    if (auto state = weak.lock()) {
      std::lock_guard<std::mutex> l(state->mu);
      state->leased.erase(study_id);
    }
  });
}

std::string LeaseFilePath(const std::string& db_path) { return db_path + "-leases"; }

StatusOr<std::unique_ptr<StudyLease>> TryLockStudyFile(const std::string& lock_path, std::int64_t study_id) {
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::Unavailable("cannot open the lock file " + lock_path + ": " + std::strerror(errno) +
                               " (the store's folder must be writable to run a study)");
  }
  struct flock lk {};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  lk.l_start = static_cast<off_t>(study_id);
  lk.l_len = 1;
  if (::fcntl(fd, F_OFD_SETLK, &lk) == 0) return std::unique_ptr<StudyLease>(new FileLease(fd));
  const int err = errno;
  ::close(fd);
  if (err == EAGAIN || err == EACCES) return std::unique_ptr<StudyLease>();
  return Status::Unavailable("cannot lock " + lock_path + ": " + std::strerror(err));
}

}  // namespace autotune::db_detail
