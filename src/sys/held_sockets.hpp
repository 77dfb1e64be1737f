#pragma once

// The TCP connections that processes hold, reached through copies of their descriptors
// (pidfd_open + pidfd_getfd, Linux 5.6): `enforce --existing` gives keepalive to connections
// established before the program was attached. Each socket once, whatever process holds it; the
// copy works in every network namespace, so none has to be entered.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <sys/types.h>
#include <vector>

namespace kaltune {

struct HeldSocketScan {
  std::size_t processes = 0;   // processes looked at
  std::size_t unreachable = 0; // processes whose descriptors could not be copied (gone, no right)
};

// Calls `visit` with a copy of every descriptor of `pids` that is an established TCP socket
// (IPv4 or IPv6), once per socket; the copy is closed after the call.
HeldSocketScan for_each_established(const std::vector<pid_t>& pids,
                                    const std::function<void(int fd)>& visit);

// Whether the socket has SO_KEEPALIVE on.
bool keepalive_on(int fd);

// Sets an int socket option; 0, or the errno.
int set_socket_option(int fd, int level, int name, int value);

} // namespace kaltune
