#include "sys/held_sockets.hpp"

#include "sys/fd.hpp"
#include "sys/socket_owners.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string_view>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unordered_set>

namespace kaltune {

namespace {
bool established_tcp(int fd) {
  int protocol = 0;
  socklen_t size = sizeof protocol;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &size) != 0 || protocol != IPPROTO_TCP) {
    return false;
  }
  tcp_info info{};
  size = sizeof info;
  return ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) == 0 &&
         info.tcpi_state == TCP_ESTABLISHED;
}
} // namespace

HeldSocketScan for_each_established(const std::vector<pid_t>& pids,
                                    const std::function<void(int fd)>& visit) {
  HeldSocketScan scan;
  std::unordered_set<std::uint64_t> seen;
  for (const pid_t pid : pids) {
    ++scan.processes;
    // Through syscall(): glibc before 2.36 has no wrapper.
    const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (pidfd.get() < 0) {
      ++scan.unreachable;
      continue;
    }
    bool reached = true;
    const int listed = for_each_socket_fd(pid, [&](int fd, std::uint64_t inode) {
      if (seen.count(inode) != 0) {
        return;
      }
      const UniqueFd copy(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
      if (copy.get() < 0) {
        reached = reached && errno == EBADF; // closed since the listing: not a lack of rights
        return;
      }
      struct stat st {};
      if (::fstat(copy.get(), &st) != 0 || st.st_ino != inode) {
        return; // the number was reused meanwhile
      }
      seen.insert(inode);
      if (established_tcp(copy.get())) {
        visit(copy.get());
      }
    });
    if (listed != 0 || !reached) {
      ++scan.unreachable;
    }
  }
  return scan;
}

bool keepalive_on(int fd) {
  int value = 0;
  socklen_t size = sizeof value;
  return ::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &value, &size) == 0 && value != 0;
}

int set_socket_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : errno;
}

} // namespace kaltune
