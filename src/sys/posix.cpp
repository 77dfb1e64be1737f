#include "sys/posix.hpp"

#include <cstdio>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune {

int Posix::open(const char* path, int flags, mode_t mode) {
  return ::open(path, flags, mode);
}
ssize_t Posix::read(int fd, void* buffer, std::size_t size) {
  return ::read(fd, buffer, size);
}
ssize_t Posix::write(int fd, const void* buffer, std::size_t size) {
  return ::write(fd, buffer, size);
}
int Posix::fsync(int fd) {
  return ::fsync(fd);
}
int Posix::fstat(int fd, struct stat* st) {
  return ::fstat(fd, st);
}
int Posix::fchmod(int fd, mode_t mode) {
  return ::fchmod(fd, mode);
}
int Posix::fchown(int fd, uid_t uid, gid_t gid) {
  return ::fchown(fd, uid, gid);
}
int Posix::rename(const char* from, const char* to) {
  return std::rename(from, to);
}
int Posix::exchange(const char* from, const char* to) {
  return ::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
}
int Posix::unlink(const char* path) {
  return ::unlink(path);
}
int Posix::mkdir(const char* path, mode_t mode) {
  return ::mkdir(path, mode);
}
int Posix::rmdir(const char* path) {
  return ::rmdir(path);
}
int Posix::close(int fd) {
  return ::close(fd);
}
int Posix::flock(int fd, int operation) {
  return ::flock(fd, operation);
}

} // namespace kaltune
