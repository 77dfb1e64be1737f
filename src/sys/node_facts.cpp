#include "sys/node_facts.hpp"

#include "base/error.hpp"
#include "sys/fd.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sched.h>
#include <sys/utsname.h>

namespace kaltune {

namespace {
constexpr std::size_t max_state_file = 4 << 20; // an OCI config.json is tens of KiB
} // namespace

std::optional<std::string> RealNodeFacts::read_state_file(const std::string& path) {
  // O_NONBLOCK: a FIFO planted there never blocks the scan.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    return std::nullopt;
  }
  try {
    std::string text = read_fd(fd.get(), path, ::read, max_state_file + 1);
    if (text.size() > max_state_file) {
      return std::nullopt;
    }
    return text;
  } catch (const SystemError&) {
    return std::nullopt;
  }
}

std::optional<std::string> RealNodeFacts::uts_hostname(pid_t pid) {
  UniqueFd target(::open(fmt::format("/proc/{}/ns/uts", pid).c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd home(::open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC));
  if (target.get() < 0 || home.get() < 0 || ::setns(target.get(), CLONE_NEWUTS) != 0) {
    return std::nullopt;
  }
  struct utsname names {};
  const int rc = ::uname(&names);
  if (::setns(home.get(), CLONE_NEWUTS) != 0) {
    std::perror("kaltune: cannot return to its own UTS namespace");
    std::abort();
  }
  if (rc != 0) {
    return std::nullopt;
  }
  return std::string(names.nodename);
}

} // namespace kaltune
