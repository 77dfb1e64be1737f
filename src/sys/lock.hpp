#pragma once

#include "sys/posix.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace kaltune {

// The lock that serializes kaltune runs that change configuration files: an exclusive flock(2) on
// /run/kaltune.lock (created if missing, never removed: removing a lock file races with its next
// user). /run is root-owned and not world-writable, unlike /run/lock, so no other user can
// pre-create the file (fs.protected_regular would then make root's open fail) or plant a link.
// The file is 0600, root's only: no other user can open it and hold the flock to keep root's runs
// waiting (a 0644 file of an older kaltune is replaced by a 0600 one). Always on the host's /run,
// also with --root, so two runs on one image serialize; a caller that is not root cannot take it
// (exit 3) unless it owns the file (a private /run, as in tests).
std::filesystem::path lock_file_path();

// How long a run waits for another one before giving up with exit 4.
inline constexpr std::chrono::milliseconds lock_timeout{30'000};

// The process holding the lock as what it is: "process 1234 (sleep, uid 1000)"; "another
// process" for pid 0 (unknown).
std::string describe_holder(pid_t pid);

// The processes holding a flock on the file (device, inode) according to /proc/locks (pid 0:
// not visible from here), and whether each holds it exclusively.
struct FlockHolder {
  pid_t pid = 0;
  bool exclusive = false;
};
std::vector<FlockHolder> flock_holders(dev_t device, ino_t inode);

class FileLock {
public:
  // Waits until the lock is ours, at most `timeout`; `on_wait` runs once first when another run
  // holds it, with that run's pid (0 when unknown). Once locked, the file must still be the one
  // at `path` (same device and inode): when another run replaced it or it was removed meanwhile,
  // the file there now is locked instead, within the same `timeout`. The file is opened with
  // O_NOFOLLOW and must be a regular file owned by root (or by the caller); a symlink is refused.
  // Throws SystemError naming the lock file when it cannot be opened, Error (exit 4) when it is
  // refused or the wait times out.
  FileLock(Posix& posix, const std::filesystem::path& path,
           const std::function<void(pid_t holder)>& on_wait = {},
           std::chrono::milliseconds timeout = lock_timeout);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Whether the file locked is still the one at the path: false once someone removed or
  // replaced it while this run held it, which lets the next run in beside this one.
  bool still_at_path() const;

private:
  Posix& posix_;
  std::filesystem::path path_;
  int fd_ = -1;
};

} // namespace kaltune
