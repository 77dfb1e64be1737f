#include "sys/netns.hpp"

#include "base/error.hpp"
#include "sys/fd.hpp"
#include "sys/file_kind.hpp"
#include "sys/io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace kaltune {

std::optional<std::string> netns_path(const NetnsTarget& target) {
  if (target.pid) {
    return fmt::format("/proc/{}/ns/net", *target.pid);
  }
  if (target.netns) {
    // A bare name is one `ip netns add` made; anything with a slash is a path.
    if (target.netns->find('/') == std::string::npos) {
      return "/run/netns/" + *target.netns;
    }
    return *target.netns;
  }
  return std::nullopt;
}

std::string_view denied_hint() {
  if (::geteuid() != 0) {
    return "run as root";
  }
  return "kaltune runs as root already: the namespace is out of its user namespace's reach, or "
         "a security module denies it";
}

void enter_netns(const NetnsTarget& target) {
  const auto path = netns_path(target);
  if (!path) {
    return;
  }
  // Examined before it is opened: an O_PATH descriptor opens nothing (a device's driver is not
  // asked: /dev/ptmx would allocate a terminal, a watchdog would start), and fstat and fstatfs
  // say what it is. Only a file of nsfs is then opened for setns, through that descriptor, so it
  // is the very file examined.
  const UniqueFd examined(open_retrying(*path, O_PATH));
  if (examined.get() < 0) {
    const int error = errno;
    if (error == ELOOP) {
      throw symlink_loop(*path);
    }
    if (error == ENOENT) {
      throw Error(ExitStatus::system,
                  target.pid ? fmt::format("no process {} ({} does not exist)", *target.pid, *path)
                             : fmt::format("no network namespace {}: {} does not exist",
                                           *target.netns, *path));
    }
    throw SystemError(error, fmt::format("cannot open network namespace {}", *path));
  }
  struct stat st {};
  struct statfs fs {};
  if (::fstat(examined.get(), &st) != 0 ||
      retry_eintr([&] { return ::fstatfs(examined.get(), &fs); }) != 0) {
    throw SystemError(errno, fmt::format("cannot examine network namespace {}", *path));
  }
  if (fs.f_type != NSFS_MAGIC || !S_ISREG(st.st_mode)) {
    throw Error(ExitStatus::system,
                fmt::format("{} is not a network namespace ({})", *path, kind_name(file_kind(st))));
  }
  const int fd = open_retrying(fmt::format("/proc/self/fd/{}", examined.get()), O_RDONLY);
  if (fd < 0) {
    throw SystemError(errno, fmt::format("cannot open network namespace {}", *path));
  }
  const int rc = ::setns(fd, CLONE_NEWNET);
  const int error = errno;
  ::close(fd);
  if (rc != 0) {
    if (error == EINVAL) {
      throw Error(ExitStatus::system, fmt::format("{} is not a network namespace", *path));
    }
    if (error == EPERM) {
      throw Error(ExitStatus::permission,
                  fmt::format("cannot enter network namespace {}: {} (needs CAP_SYS_ADMIN over it; "
                              "{})",
                              *path, std::strerror(error), denied_hint()));
    }
    throw SystemError(error, fmt::format("cannot enter network namespace {}", *path));
  }
}

} // namespace kaltune
