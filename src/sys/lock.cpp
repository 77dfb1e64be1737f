#include "sys/lock.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "sys/io.hpp"

#include <fmt/format.h>

#include <algorithm>
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

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Whether `path` still names the file open as `fd`: a run may have replaced it (the 0600
// upgrade) or an administrator removed it while this one opened it and waited for its flock. A
// lock on a file no longer at the path locks nothing another run will take.
bool locked_is_at_path(Posix& posix, int fd, const std::filesystem::path& path) {
  struct stat held {};
  struct stat there {};
  return posix.fstat(fd, &held) == 0 && ::lstat(path.c_str(), &there) == 0 &&
         same_file(held, there);
}

// A lock file others can open (0644, as kaltune made it before) lets any user hold the flock
// and make root's runs wait: root puts a fresh 0600 file in its place and locks that. Processes
// that opened the old file hold a lock on an inode nobody uses any more. The fresh file is locked
// before it appears at the path and swapped in with RENAME_EXCHANGE, which hands back what was
// there: when that is not `old` (another run swapped its own file in first) the swap is undone
// and the caller starts again. So two runs never both hold "the" lock, whatever their timing.
// Returns the locked fresh file, or -1 to start again; throws when it cannot be made.
int make_root_only(Posix& posix, const struct stat& old, const std::filesystem::path& path) {
  const std::filesystem::path fresh =
      path.parent_path() / fmt::format(".{}.kaltune-{}", path.filename().string(), ::getpid());
  posix.unlink(fresh.c_str()); // a dead process with this pid may have left it
  const int fresh_fd = retry_eintr([&] {
    return posix.open(fresh.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  });
  const auto fail = [&](int error) {
    if (fresh_fd >= 0) {
      posix.close(fresh_fd);
      posix.unlink(fresh.c_str());
    }
    throw SystemError(
        error, fmt::format("cannot make lock file {} root's only (mode 0600)", path.string()));
  };
  if (fresh_fd < 0 || posix.fchmod(fresh_fd, 0600) != 0 ||
      posix.flock(fresh_fd, LOCK_EX | LOCK_NB) != 0 ||
      posix.exchange(fresh.c_str(), path.c_str()) != 0) {
    fail(errno);
  }
  struct stat swapped_out {};
  if (::lstat(fresh.c_str(), &swapped_out) == 0 && same_file(swapped_out, old)) {
    posix.unlink(fresh.c_str()); // the old file, out of everyone's way
    return fresh_fd;
  }
  // Not the file this run examined: put back what another run put there, and start again.
  if (posix.exchange(fresh.c_str(), path.c_str()) != 0) {
    // The other run's file stays under the temporary name, whole: nothing is removed.
    const int error = errno;
    posix.close(fresh_fd);
    throw SystemError(
        error, fmt::format("cannot put back lock file {} (now {})", path.string(), fresh.string()));
  }
  posix.close(fresh_fd);
  posix.unlink(fresh.c_str());
  return -1;
}

// The values of the field `name` of /proc/PID/status ("Name"; "Uid": real, effective, saved,
// file system), none when unreadable. Read to its end, as every /proc file.
std::vector<std::string> status_values(pid_t pid, std::string_view name) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  std::vector<std::string> values;
  while (std::getline(status, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == ':') {
      std::istringstream fields(line.substr(name.size() + 1));
      std::string value;
      while (fields >> value) {
        values.push_back(value);
      }
      break;
    }
  }
  return values;
}

// Its first value, "" when unreadable.
std::string status_field(pid_t pid, std::string_view name) {
  const auto values = status_values(pid, name);
  return values.empty() ? "" : values.front();
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

std::vector<FlockHolder> flock_holders(dev_t device, ino_t inode) {
  // Lines like "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"; waiters carry "->".
  std::ifstream locks("/proc/locks");
  const std::string wanted =
      fmt::format("{:02x}:{:02x}:{}", ::major(device), ::minor(device), inode);
  std::vector<FlockHolder> holders;
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
      holders.push_back({static_cast<pid_t>(pid), access == "WRITE"});
    }
  }
  return holders;
}

namespace {
pid_t flock_holder(dev_t device, ino_t inode) {
  const auto holders = flock_holders(device, inode);
  return holders.empty() ? 0 : holders.front().pid;
}
} // namespace

namespace {
// Whether no holder of the lock can be a kaltune run: each holds it shared (kaltune takes it
// exclusive) or is a process of another user than root. Unknown holders (pid 0: in another PID
// namespace) may be one.
bool only_strangers_hold(const struct stat& st) {
  const auto holders = flock_holders(st.st_dev, st.st_ino);
  return !holders.empty() &&
         std::all_of(holders.begin(), holders.end(), [](const FlockHolder& holder) {
           if (holder.pid <= 0) {
             return false;
           }
           const auto uids = status_values(holder.pid, "Uid");
           return !holder.exclusive ||
                  (!uids.empty() && std::find(uids.begin(), uids.end(), "0") == uids.end());
         });
}
} // namespace

FileLock::FileLock(Posix& posix, const std::filesystem::path& path,
                   const std::function<void(pid_t holder)>& on_wait,
                   std::chrono::milliseconds timeout)
    : posix_(posix), path_(path) {
  // Read-only is enough for flock. Mode 0600: only root (the owner) can open it, so no other user
  // can hold the flock and keep root's runs waiting.
  struct stat link {};
  if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    throw Error(ExitStatus::system, symlink_refusal(path));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool told = false;
  pid_t holder = 0;
  // The usual lock-file protocol: open, lock, then check that the file locked is still the one
  // at the path; when it is not (replaced or removed meanwhile), lock the one there now.
  while (true) {
    int fd = open_lock(posix_, path);
    struct stat st {};
    refuse_unless_safe(posix_, fd, path, st);
    const bool upgrade = ::geteuid() == 0 && (st.st_mode & 077) != 0;
    int rc = posix_.flock(fd, LOCK_EX | LOCK_NB);
    if (rc != 0 && errno == EWOULDBLOCK && upgrade && only_strangers_hold(st)) {
      // A user who opened the old world-readable file holds it, no kaltune run: no wait.
      const int fresh = make_root_only(posix_, st, path);
      posix_.close(fd);
      if (fresh >= 0) {
        fd_ = fresh;
        return;
      }
      continue;
    }
    while (rc != 0 && (errno == EWOULDBLOCK || errno == EINTR)) {
      if (!told) {
        told = true;
        holder = flock_holder(st.st_dev, st.st_ino);
        if (on_wait) {
          on_wait(holder);
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        posix_.close(fd);
        throw Error(ExitStatus::system,
                    fmt::format("gave up after {:g} s waiting for {} to release {}; "
                                "nothing was changed",
                                static_cast<double>(timeout.count()) / 1000.0,
                                describe_holder(holder), path.string()));
      }
      std::this_thread::sleep_for(poll_interval);
      rc = posix_.flock(fd, LOCK_EX | LOCK_NB);
    }
    if (rc != 0) {
      const int error = errno;
      posix_.close(fd);
      throw SystemError(error, fmt::format("cannot lock {}", path.string()));
    }
    if (!locked_is_at_path(posix_, fd, path)) {
      posix_.close(fd);
      continue;
    }
    if (upgrade) {
      const int fresh = make_root_only(posix_, st, path);
      posix_.close(fd);
      if (fresh < 0) {
        continue;
      }
      fd = fresh;
    }
    fd_ = fd;
    return;
  }
}

bool FileLock::still_at_path() const {
  return locked_is_at_path(posix_, fd_, path_);
}

FileLock::~FileLock() {
  posix_.close(fd_); // releases the flock
}

} // namespace kaltune
