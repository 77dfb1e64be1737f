#include "sys/netns.hpp"

#include "base/error.hpp"
#include "sys/io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
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

void enter_netns(const NetnsTarget& target) {
  const auto path = netns_path(target);
  if (!path) {
    return;
  }
  const int fd = open_retrying(*path, O_RDONLY);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) {
      throw Error(ExitStatus::system,
                  target.pid ? fmt::format("no process {} ({} does not exist)", *target.pid, *path)
                             : fmt::format("no network namespace {}: {} does not exist",
                                           *target.netns, *path));
    }
    throw SystemError(error, fmt::format("cannot open network namespace {}", *path));
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
                              "run as root)",
                              *path, std::strerror(error)));
    }
    throw SystemError(error, fmt::format("cannot enter network namespace {}", *path));
  }
}

} // namespace kaltune
