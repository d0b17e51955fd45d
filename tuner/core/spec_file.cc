// ReadSpecFile (spec_json.h): bounded reading of a spec file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tuner/core/spec_json.h"

namespace autotune {
namespace {

std::string TooLarge(const std::string& path) {
  return "spec file '" + path + "' is larger than the limit of " + std::to_string(kMaxSpecFileBytes) +
         " bytes (4 MiB)";
}

}  // namespace

StatusOr<std::string> ReadSpecFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return Status::InvalidArgument("cannot read spec file '" + path + "': " + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return Status::InvalidArgument("cannot read spec file '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("spec file '" + path + "' is not a regular file");
  if (static_cast<std::size_t>(st.st_size) > kMaxSpecFileBytes)
    return Status::InvalidArgument(TooLarge(path));

  std::string text;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return Status::InvalidArgument("cannot read spec file '" + path + "': " + std::strerror(errno));
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > kMaxSpecFileBytes)
      return Status::InvalidArgument(TooLarge(path));
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace autotune
