#include "sys/lock.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <sys/file.h>

namespace kaltune {

std::filesystem::path lock_file_path() {
  std::error_code ignored;
  return std::filesystem::is_directory("/run/lock", ignored) ? "/run/lock/kaltune.lock"
                                                             : "/run/kaltune.lock";
}

FileLock::FileLock(Posix& posix, const std::filesystem::path& path,
                   const std::function<void()>& on_wait)
    : posix_(posix) {
  // Read-only is enough for flock, so a lock file created by root does not lock out others.
  do {
    fd_ = posix_.open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  } while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) {
    throw SystemError(errno, fmt::format("cannot open lock file {}", path.string()));
  }
  int rc = posix_.flock(fd_, LOCK_EX | LOCK_NB);
  if (rc != 0 && errno == EWOULDBLOCK) {
    if (on_wait) {
      on_wait();
    }
    do {
      rc = posix_.flock(fd_, LOCK_EX);
    } while (rc != 0 && errno == EINTR);
  }
  if (rc != 0) {
    const int error = errno;
    posix_.close(fd_);
    throw SystemError(error, fmt::format("cannot lock {}", path.string()));
  }
}

FileLock::~FileLock() {
  posix_.close(fd_); // releases the flock
}

} // namespace kaltune
