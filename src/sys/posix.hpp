#pragma once

// The seam to the file-system calls of atomic writes and locking (after fmt's test/posix-mock.h):
// every call goes through a virtual member with POSIX's contract (-1 and errno on failure), so a
// unit test derives from Posix, overrides one call and injects a failure (EIO on fsync, …)
// while the others do the real work in a temporary directory.

#include <cstddef>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

namespace kaltune {

class Posix {
public:
  virtual ~Posix() = default;
  virtual int open(const char* path, int flags, mode_t mode);
  virtual ssize_t read(int fd, void* buffer, std::size_t size);
  virtual ssize_t write(int fd, const void* buffer, std::size_t size);
  virtual int fsync(int fd);
  virtual int fstat(int fd, struct stat* st);
  virtual int fchmod(int fd, mode_t mode);
  virtual int fchown(int fd, uid_t uid, gid_t gid);
  virtual int rename(const char* from, const char* to);
  // renameat2(RENAME_EXCHANGE): swaps the two names atomically (both must exist).
  virtual int exchange(const char* from, const char* to);
  virtual int unlink(const char* path);
  virtual int mkdir(const char* path, mode_t mode);
  virtual int rmdir(const char* path);
  virtual int close(int fd);
  virtual int flock(int fd, int operation);
};

} // namespace kaltune
