#pragma once

#include "sys/inet_diag.hpp"

#include <cstdint>
#include <vector>

namespace kaltune {

// Dumps the TCP sockets of the calling process's network namespace over NETLINK_SOCK_DIAG, one
// dump per family, in the given states (a bitmask of 1 << TCP_state, filtered by the kernel).
// Each socket goes to `sink` as its message is decoded: memory stays one receive buffer however
// many sockets there are. Throws SystemError when the socket fails, Error (4) when the kernel
// answers with an error or with bytes that do not decode.
void dump_tcp_sockets(const std::vector<std::uint8_t>& families, std::uint32_t states,
                      const DiagSink& sink);

} // namespace kaltune
