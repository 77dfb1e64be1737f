#pragma once

#include "base/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace kaltune {

// The timer inet_diag reports for a socket (idiag_timer), as `ss -o` names them.
enum class DiagTimer : std::uint8_t {
  none = 0,
  retransmit = 1,  // retransmission, loss probe or SYN-ACK: data or a handshake is unacknowledged
  keepalive = 2,   // sk_timer: keepalive (or the FIN_WAIT2 timeout)
  time_wait = 3,   // a TIME_WAIT socket's own timer
  zero_window = 4, // zero-window probe
};

// One TCP socket of a sock_diag dump: everything inet_diag_msg says that kaltune uses. Small and
// flat on purpose: `sockets` keeps one per listed socket to sort them.
struct DiagSocket {
  std::uint8_t family = 0; // AF_INET or AF_INET6
  std::uint8_t state = 0;  // TCP_ESTABLISHED, ... (the kernel's enum)
  DiagTimer timer = DiagTimer::none;
  std::uint8_t retrans = 0; // probes sent (keepalive, zero-window) or retransmissions
  std::uint8_t backoff = 0; // tcpi_backoff: how often the RTO has doubled (INET_DIAG_INFO)
  std::uint16_t local_port = 0;
  std::uint16_t peer_port = 0;
  std::uint32_t expires_ms = 0; // time left on the timer
  std::uint32_t recv_q = 0;
  std::uint32_t send_q = 0; // bytes not yet acknowledged by the peer (established sockets)
  std::uint32_t uid = 0;
  std::uint32_t inode = 0;
  std::uint32_t rto_us = 0;    // tcpi_rto, backed off; 0 when the kernel sent no INET_DIAG_INFO
  std::uint64_t cgroup_id = 0; // INET_DIAG_CGROUP_ID: the socket's cgroup v2; 0 when not sent
  std::array<std::uint8_t, 16> local{}; // network order; the first 4 bytes for IPv4
  std::array<std::uint8_t, 16> peer{};
};

// Where a dump stands after one buffer: more to receive, or finished (NLMSG_DONE seen).
enum class DumpProgress { more, done };

using DiagSink = std::function<void(const DiagSocket&)>;

// Decodes one buffer received from a NETLINK_SOCK_DIAG dump of inet_diag (one recv(2)): every
// SOCK_DIAG_BY_FAMILY message goes to `sink` as it is read, so nothing accumulates. Pure: no
// system calls. Malformed input (a truncated header, nlmsg_len too small or past the end, an
// attribute overrunning its message, a short payload) and NLMSG_ERROR or a failed NLMSG_DONE
// give a failure naming the offset and what is wrong; never a crash or an out-of-bounds read.
Result<DumpProgress> decode_diag_buffer(std::span<const std::byte> buffer, const DiagSink& sink);

// The request that starts a dump of the TCP sockets of one family in the given states (a bitmask
// of 1 << TCP_state), as the bytes to send on a NETLINK_SOCK_DIAG socket.
std::vector<std::byte> diag_dump_request(std::uint8_t family, std::uint32_t states,
                                         std::uint32_t sequence);

// "ESTABLISHED" → "established", "FIN_WAIT1" → "fin-wait-1", as `ss` names the states.
std::string tcp_state_name(std::uint8_t state);
// "keepalive", "retransmit", "time-wait", "zero-window", or "none".
std::string timer_name(DiagTimer timer);
// "127.0.0.1", "::1": the local or peer address of a socket.
std::string address_text(std::uint8_t family, const std::array<std::uint8_t, 16>& address);

} // namespace kaltune
