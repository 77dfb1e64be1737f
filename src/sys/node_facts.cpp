#include "sys/node_facts.hpp"

#include "base/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/utsname.h>

namespace kaltune {

std::optional<std::string> RealNodeFacts::read_state_file(const std::string& path) {
  // O_NONBLOCK: a FIFO planted there never blocks the scan.
  UniqueFd fd(open_retrying(path, O_RDONLY | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    return std::nullopt;
  }
  // Only a regular file, read to its end: the runtime's own state under root's /run (a
  // container cannot write it), tens of KiB; a cap would turn a larger one into a missing pod
  // name without a word.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return std::nullopt;
  }
  try {
    return read_fd(fd.get(), path);
  } catch (const SystemError&) {
    return std::nullopt;
  }
}

std::optional<UtsName> RealNodeFacts::uts_name(pid_t pid) {
  UniqueFd target(open_retrying(fmt::format("/proc/{}/ns/uts", pid), O_RDONLY));
  UniqueFd home(open_retrying("/proc/thread-self/ns/uts", O_RDONLY));
  if (target.get() < 0 || home.get() < 0) {
    return std::nullopt;
  }
  // The same UTS namespace as PID 1 (a process that never unshared it): its hostname is the
  // node's. When PID 1's cannot be read, it is not known to differ, which counts the same.
  struct stat mine {};
  struct stat init {};
  const bool host = ::fstat(target.get(), &mine) != 0 || ::stat("/proc/1/ns/uts", &init) != 0 ||
                    (mine.st_dev == init.st_dev && mine.st_ino == init.st_ino);
  if (::setns(target.get(), CLONE_NEWUTS) != 0) {
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
  return UtsName{std::string(names.nodename), host};
}

} // namespace kaltune
