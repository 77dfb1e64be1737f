#pragma once

#include "sys/fd.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <unordered_map>

namespace kaltune {

// The process holding a socket: the first one found with a descriptor for its inode.
struct SocketOwner {
  pid_t pid = 0;
  int fd = -1;
  std::string command; // /proc/PID/comm
};

// Who holds the sockets asked about, from one pass over /proc/*/fd.
struct OwnerScan {
  std::unordered_map<std::uint32_t, SocketOwner> owners; // by socket inode
  std::size_t processes = 0;                             // processes looked at
  std::size_t unreadable = 0; // processes whose descriptors could not be listed (EACCES)
};

// "socket:[12345]" → 12345: the inode a /proc/PID/fd link names; nullopt for anything else.
std::optional<std::uint64_t> socket_inode(std::string_view link);

// Each descriptor of process `pid` that is a socket, with the socket's inode, as /proc/PID/fd
// lists them now. Returns 0, or the errno of listing the directory (the process vanished:
// ENOENT; another user's without root: EACCES).
int for_each_socket_fd(pid_t pid, const std::function<void(int fd, std::uint64_t inode)>& visit);

// Lists /proc/*/fd once and keeps the owner of every socket inode for which `wanted` is true.
// Processes that vanish meanwhile are skipped; those whose fd directory is not readable are
// counted in `unreadable` (without root, every other user's process).
OwnerScan scan_socket_owners(const std::function<bool(std::uint32_t)>& wanted);

// A socket's own keepalive options, read with getsockopt on a copy of its descriptor.
struct SocketOptions {
  bool keepalive = false;           // SO_KEEPALIVE
  std::int64_t idle = 0;            // TCP_KEEPIDLE, s (the sysctl when not overridden)
  std::int64_t intvl = 0;           // TCP_KEEPINTVL, s
  std::int64_t count = 0;           // TCP_KEEPCNT
  std::int64_t user_timeout_ms = 0; // TCP_USER_TIMEOUT, ms; 0 when unset
};

// A pidfd of process `pid` (pidfd_open), through which read_socket_options copies descriptors:
// one for all the sockets of a process, not one per socket. Throws SystemError "pidfd_open".
UniqueFd open_pidfd(pid_t pid);

// Copies descriptor `fd` of process `pid` (its `pidfd`) with pidfd_getfd and reads its options.
// `fd` comes from an earlier scan, and the process may have closed it and opened another file
// under the same number since: nullopt when the copy is not socket `inode`. Throws SystemError
// naming the failed call (its call()): EPERM (exit 3) without ptrace rights over the process
// (CAP_SYS_PTRACE).
std::optional<SocketOptions> read_socket_options(int pidfd, pid_t pid, int fd, std::uint32_t inode);
// The same through a pidfd opened for this one call.
std::optional<SocketOptions> read_socket_options(pid_t pid, int fd, std::uint32_t inode);

} // namespace kaltune
