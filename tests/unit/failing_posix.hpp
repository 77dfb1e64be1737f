#pragma once

// The Posix seam doing the real calls, except the one chosen to fail (fmt's posix-mock pattern).

#include "sys/posix.hpp"

#include <cerrno>
#include <string>
#include <vector>

namespace kaltune::test {

class FailingPosix : public Posix {
public:
  std::string fail_call; // "write", "fsync", "fchmod", "fchown", "rename", "close", "open", …
  int fail_errno = EIO;
  int fail_on = 1;                // the nth call of that name fails
  std::vector<std::string> calls; // every call, in order

  int open(const char* path, int flags, mode_t mode) override {
    return hit("open") ? -1 : Posix::open(path, flags, mode);
  }
  ssize_t write(int fd, const void* buffer, std::size_t size) override {
    return hit("write") ? -1 : Posix::write(fd, buffer, size);
  }
  int fsync(int fd) override { return hit("fsync") ? -1 : Posix::fsync(fd); }
  int fchmod(int fd, mode_t mode) override { return hit("fchmod") ? -1 : Posix::fchmod(fd, mode); }
  int fchown(int fd, uid_t uid, gid_t gid) override {
    return hit("fchown") ? -1 : Posix::fchown(fd, uid, gid);
  }
  int rename(const char* from, const char* to) override {
    return hit("rename") ? -1 : Posix::rename(from, to);
  }
  int exchange(const char* from, const char* to) override {
    return hit("exchange") ? -1 : Posix::exchange(from, to);
  }
  int unlink(const char* path) override { return hit("unlink") ? -1 : Posix::unlink(path); }
  int mkdir(const char* path, mode_t mode) override {
    return hit("mkdir") ? -1 : Posix::mkdir(path, mode);
  }
  int rmdir(const char* path) override { return hit("rmdir") ? -1 : Posix::rmdir(path); }
  int flock(int fd, int operation) override {
    return hit("flock") ? -1 : Posix::flock(fd, operation);
  }
  int close(int fd) override {
    // A failing close still closes (as Linux does).
    const bool fail = hit("close");
    const int rc = Posix::close(fd);
    return fail ? -1 : rc;
  }

private:
  int seen_ = 0;
  bool hit(const char* name) {
    calls.emplace_back(name);
    if (fail_call == name && ++seen_ == fail_on) {
      errno = fail_errno;
      return true;
    }
    return false;
  }
};

} // namespace kaltune::test
