#include "sys/lock.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
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

std::string symlink_refusal(const std::filesystem::path& path) {
  return fmt::format("refusing lock file {}: a symlink (remove it; kaltune creates it as root)",
                     path.string());
}

// Opens the lock file (created 0600 if missing): never through a link (O_NOFOLLOW), never
// blocking on a FIFO (O_NONBLOCK). A link is a refusal (exit 4), not a permission problem.
int open_lock(Posix& posix, const std::filesystem::path& path) {
  const int fd = retry_eintr([&] {
    return posix.open(path.c_str(), O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  });
  if (fd < 0) {
    const int error = errno;
    struct stat st {};
    if (error == ELOOP || (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))) {
      throw Error(ExitStatus::system, symlink_refusal(path));
    }
    throw SystemError(
        error,
        fmt::format("cannot open lock file {}{}", path.string(),
                    error == EACCES && ::geteuid() != 0 ? " (persisting runs need root)" : ""));
  }
  return fd;
}

void refuse_unless_safe(Posix& posix, int fd, const std::filesystem::path& path, struct stat& st) {
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

// A lock file others can open (0644, as kaltune made it before) lets any user hold the flock
// and make root's runs wait: root puts a fresh 0600 file in its place (rename, so a run that
// locked the old one never sees a missing file) and locks that. Processes that opened the old
// file hold a lock on an inode nobody uses any more.
int make_root_only(Posix& posix, int fd, const std::filesystem::path& path) {
  const std::filesystem::path fresh =
      path.parent_path() / fmt::format(".{}.kaltune-{}", path.filename().string(), ::getpid());
  const int fresh_fd = retry_eintr([&] {
    return posix.open(fresh.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  });
  if (fresh_fd < 0 || posix.fchmod(fresh_fd, 0600) != 0 ||
      posix.rename(fresh.c_str(), path.c_str()) != 0) {
    const int error = errno;
    if (fresh_fd >= 0) {
      posix.close(fresh_fd);
      posix.unlink(fresh.c_str());
    }
    posix.close(fd);
    throw SystemError(
        error, fmt::format("cannot make lock file {} root's only (mode 0600)", path.string()));
  }
  posix.close(fd);
  return fresh_fd;
}

// The field `name` of /proc/PID/status ("Name", "Uid": its first value), "" when unreadable.
std::string status_field(pid_t pid, std::string_view name) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == ':') {
      std::istringstream fields(line.substr(name.size() + 1));
      std::string value;
      fields >> value;
      return value;
    }
  }
  return "";
}
} // namespace

std::string describe_holder(pid_t pid) {
  if (pid <= 0) {
    return "another process";
  }
  const std::string name = status_field(pid, "Name");
  const std::string uid = status_field(pid, "Uid");
  if (name.empty()) {
    return fmt::format("process {}", pid);
  }
  return fmt::format("process {} ({}, uid {})", pid, printable(name), uid);
}

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
  // Read-only is enough for flock. Mode 0600: only root (the owner) can open it, so no other user
  // can hold the flock and keep root's runs waiting.
  struct stat link {};
  if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    throw Error(ExitStatus::system, symlink_refusal(path));
  }
  fd_ = open_lock(posix_, path);
  struct stat st {};
  refuse_unless_safe(posix_, fd_, path, st);
  if (::geteuid() == 0 && (st.st_mode & 077) != 0) {
    fd_ = make_root_only(posix_, fd_, path);
  }
  int rc = posix_.flock(fd_, LOCK_EX | LOCK_NB);
  if (rc != 0 && errno == EWOULDBLOCK) {
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
                  fmt::format("gave up after {:g} s waiting for {} to release {}; "
                              "nothing was changed",
                              static_cast<double>(timeout.count()) / 1000.0,
                              describe_holder(holder), path.string()));
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
