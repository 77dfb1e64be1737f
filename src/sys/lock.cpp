#include "sys/lock.hpp"

#include "base/error.hpp"
#include "sys/io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <thread>
#include <unistd.h>

namespace kaltune {

namespace {
// Polling keeps the wait bounded without timers or signals (flock has no timeout of its own).
constexpr std::chrono::milliseconds poll_interval{50};

void refuse_unless_safe(Posix& posix, int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (posix.fstat(fd, &st) != 0) {
    const int error = errno;
    posix.close(fd);
    throw SystemError(error, fmt::format("cannot inspect lock file {}", path.string()));
  }
  const bool owner_ok = st.st_uid == 0 || st.st_uid == ::geteuid();
  if (!S_ISREG(st.st_mode) || !owner_ok) {
    posix.close(fd);
    throw Error(ExitStatus::system,
                fmt::format("refusing lock file {}: {} (remove it; kaltune creates it as root)",
                            path.string(),
                            !S_ISREG(st.st_mode)
                                ? std::string("not a regular file")
                                : fmt::format("owned by uid {}, not root", st.st_uid)));
  }
}
} // namespace

std::filesystem::path lock_file_path() {
  return "/run/kaltune.lock";
}

pid_t flock_holder(dev_t device, ino_t inode) {
  // Lines like "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"; waiters carry "->".
  std::ifstream locks("/proc/locks");
  const std::string wanted =
      fmt::format("{:02x}:{:02x}:{}", ::major(device), ::minor(device), inode);
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream fields(line);
    std::string number, kind, mode, access, file;
    long pid = 0;
    fields >> number >> kind;
    if (kind == "->" || kind != "FLOCK") {
      continue;
    }
    fields >> mode >> access >> pid >> file;
    if (file == wanted) {
      return static_cast<pid_t>(pid);
    }
  }
  return 0;
}

FileLock::FileLock(Posix& posix, const std::filesystem::path& path,
                   const std::function<void(pid_t holder)>& on_wait,
                   std::chrono::milliseconds timeout)
    : posix_(posix) {
  // Read-only is enough for flock, so a lock file created by root does not lock out others.
  // O_NOFOLLOW: never follow a planted link; O_NONBLOCK: a FIFO there must not hang the open.
  fd_ = retry_eintr([&] {
    return posix_.open(path.c_str(), O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
                       0644);
  });
  if (fd_ < 0) {
    throw SystemError(errno, fmt::format("cannot open lock file {}", path.string()));
  }
  refuse_unless_safe(posix_, fd_, path);
  int rc = posix_.flock(fd_, LOCK_EX | LOCK_NB);
  if (rc != 0 && errno == EWOULDBLOCK) {
    struct stat st {};
    const pid_t holder = posix_.fstat(fd_, &st) == 0 ? flock_holder(st.st_dev, st.st_ino) : 0;
    if (on_wait) {
      on_wait(holder);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (rc != 0 && (errno == EWOULDBLOCK || errno == EINTR) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(poll_interval);
      rc = posix_.flock(fd_, LOCK_EX | LOCK_NB);
    }
    if (rc != 0 && (errno == EWOULDBLOCK || errno == EINTR)) {
      posix_.close(fd_);
      throw Error(ExitStatus::system,
                  fmt::format("gave up after {:g} s waiting for another kaltune{} to release {}; "
                              "nothing was changed",
                              static_cast<double>(timeout.count()) / 1000.0,
                              holder > 0 ? fmt::format(" (pid {})", holder) : std::string(),
                              path.string()));
    }
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
