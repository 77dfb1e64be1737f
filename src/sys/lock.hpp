#pragma once

#include "sys/posix.hpp"

#include <filesystem>
#include <functional>

namespace kaltune {

// The lock that serializes kaltune runs that change configuration files: an exclusive flock(2) on
// /run/lock/kaltune.lock (created if missing, never removed: removing a lock file races with its
// next user). Always on the host's /run, also with --root, so two runs on one image serialize.
// Where /run/lock is missing (minimal containers), /run/kaltune.lock.
std::filesystem::path lock_file_path();

class FileLock {
public:
  // Blocks until the lock is ours; `on_wait` runs once first when another run holds it.
  // Throws SystemError naming the lock file.
  FileLock(Posix& posix, const std::filesystem::path& path,
           const std::function<void()>& on_wait = {});
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

private:
  Posix& posix_;
  int fd_ = -1;
};

} // namespace kaltune
