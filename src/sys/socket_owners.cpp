#include "sys/socket_owners.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kaltune {

namespace {
template <typename T> std::optional<T> number(std::string_view text) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string read_command(pid_t pid) {
  UniqueFd fd(open_retrying(fmt::format("/proc/{}/comm", pid), O_RDONLY));
  if (fd.get() < 0) {
    return "?";
  }
  // The kernel keeps a command name of at most 15 bytes (TASK_COMM_LEN) and returns it whole
  // with its newline in one read.
  char buffer[64];
  const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
  if (n <= 0) {
    return "?";
  }
  return std::string(trim_end(std::string_view(buffer, static_cast<std::size_t>(n)), "\n"));
}

// Adds the wanted sockets of one process; false when its descriptors could not be listed.
bool scan_process(pid_t pid, const std::function<bool(std::uint32_t)>& wanted, OwnerScan& scan) {
  std::string command;
  const int listed = for_each_socket_fd(pid, [&](int fd, std::uint64_t inode) {
    const auto socket = static_cast<std::uint32_t>(inode);
    if (inode != socket || !wanted(socket) || scan.owners.count(socket) != 0) {
      return;
    }
    if (command.empty()) {
      command = read_command(pid);
    }
    scan.owners.emplace(socket, SocketOwner{pid, fd, command});
  });
  return listed != EACCES && listed != EPERM; // vanished processes are not a lack of rights
}
} // namespace

std::optional<std::uint64_t> socket_inode(std::string_view link) {
  constexpr std::string_view prefix = "socket:[";
  if (link.size() <= prefix.size() + 1 || link.substr(0, prefix.size()) != prefix ||
      link.back() != ']') {
    return std::nullopt;
  }
  return number<std::uint64_t>(link.substr(prefix.size(), link.size() - prefix.size() - 1));
}

int for_each_socket_fd(pid_t pid, const std::function<void(int fd, std::uint64_t inode)>& visit) {
  char link[64];
  return for_each_entry(fmt::format("/proc/{}/fd", pid), [&](const DirEntry& entry) {
    const auto fd = number<int>(entry.name);
    if (!fd) {
      return;
    }
    // "socket:[18446744073709551615]" is 29 bytes: a target that fills the buffer is longer, and
    // so no socket (only sockets' targets start with "socket:["), never a cut one taken for one.
    const std::string name(entry.name);
    const ssize_t n = ::readlinkat(entry.dir_fd, name.c_str(), link, sizeof link);
    if (n <= 0 || static_cast<std::size_t>(n) >= sizeof link) {
      return;
    }
    if (const auto inode = socket_inode(std::string_view(link, static_cast<std::size_t>(n)))) {
      visit(*fd, *inode);
    }
  });
}

namespace {
int get_int_option(int fd, int level, int name, const char* what, pid_t pid, int target_fd) {
  int value = 0;
  socklen_t size = sizeof value;
  if (::getsockopt(fd, level, name, &value, &size) != 0) {
    const std::string call = fmt::format("getsockopt({})", what);
    throw SystemError(errno, call,
                      fmt::format("{} on descriptor {} of process {}", call, target_fd, pid));
  }
  return value;
}
} // namespace

OwnerScan scan_socket_owners(const std::function<bool(std::uint32_t)>& wanted) {
  OwnerScan scan;
  const int listed = for_each_entry("/proc", [&](const DirEntry& entry) {
    const auto pid = number<pid_t>(entry.name);
    if (!pid) {
      return;
    }
    ++scan.processes;
    if (!scan_process(*pid, wanted, scan)) {
      ++scan.unreadable;
    }
  });
  if (listed != 0) {
    throw SystemError(listed, "cannot list /proc");
  }
  return scan;
}

// Through syscall(): glibc before 2.36 has no wrappers for pidfd_open and pidfd_getfd.
UniqueFd open_pidfd(pid_t pid) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.get() < 0) {
    throw SystemError(errno, "pidfd_open", fmt::format("pidfd_open of process {}", pid));
  }
  return pidfd;
}

std::optional<SocketOptions> read_socket_options(pid_t pid, int fd, std::uint32_t inode) {
  const UniqueFd pidfd = open_pidfd(pid);
  return read_socket_options(pidfd.get(), pid, fd, inode);
}

std::optional<SocketOptions> read_socket_options(int pidfd, pid_t pid, int fd,
                                                 std::uint32_t inode) {
  UniqueFd copy(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0)));
  if (copy.get() < 0) {
    throw SystemError(errno, "pidfd_getfd",
                      fmt::format("pidfd_getfd of descriptor {} of process {}", fd, pid));
  }
  struct stat st {};
  if (::fstat(copy.get(), &st) != 0) {
    throw SystemError(errno, "fstat", fmt::format("fstat of descriptor {} of process {}", fd, pid));
  }
  if (!S_ISSOCK(st.st_mode) || st.st_ino != inode) {
    return std::nullopt; // closed and reused since the scan: not the socket asked about
  }
  SocketOptions out;
  out.keepalive =
      get_int_option(copy.get(), SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", pid, fd) != 0;
  out.idle = get_int_option(copy.get(), IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", pid, fd);
  out.intvl = get_int_option(copy.get(), IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", pid, fd);
  out.count = get_int_option(copy.get(), IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", pid, fd);
  out.user_timeout_ms = static_cast<unsigned>(
      get_int_option(copy.get(), IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", pid, fd));
  return out;
}

} // namespace kaltune
