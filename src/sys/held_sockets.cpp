#include "sys/held_sockets.hpp"

#include "sys/fd.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <dirent.h>
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
std::optional<std::uint64_t> socket_inode(std::string_view link) {
  constexpr std::string_view prefix = "socket:[";
  if (link.size() <= prefix.size() + 1 || link.substr(0, prefix.size()) != prefix ||
      link.back() != ']') {
    return std::nullopt;
  }
  std::uint64_t inode = 0;
  const std::string_view digits = link.substr(prefix.size(), link.size() - prefix.size() - 1);
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return inode;
}

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
  char link[64];
  for (const pid_t pid : pids) {
    ++scan.processes;
    const std::string fd_dir = fmt::format("/proc/{}/fd", pid);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(fd_dir.c_str()), ::closedir);
    // Through syscall(): glibc before 2.36 has no wrapper.
    const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!dir || pidfd.get() < 0) {
      ++scan.unreachable;
      continue;
    }
    bool reached = true;
    while (const dirent* entry = ::readdir(dir.get())) {
      int fd = -1;
      const std::string_view name = entry->d_name;
      const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
      if (ec != std::errc() || ptr != name.data() + name.size()) {
        continue;
      }
      const ssize_t n = ::readlinkat(::dirfd(dir.get()), entry->d_name, link, sizeof link);
      const auto inode =
          n > 0 ? socket_inode(std::string_view(link, static_cast<std::size_t>(n))) : std::nullopt;
      if (!inode || seen.count(*inode) != 0) {
        continue;
      }
      const UniqueFd copy(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
      if (copy.get() < 0) {
        reached = reached && errno == EBADF; // closed since the listing: not a lack of rights
        continue;
      }
      struct stat st {};
      if (::fstat(copy.get(), &st) != 0 || st.st_ino != *inode) {
        continue; // the number was reused meanwhile
      }
      seen.insert(*inode);
      if (established_tcp(copy.get())) {
        visit(copy.get());
      }
    }
    if (!reached) {
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
