#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace kaltune {

// Where a dead-peer measurement runs: in the caller's network namespace with the values in force
// there, or in a fresh private one (unshare CLONE_NEWNET, or CLONE_NEWUSER|CLONE_NEWNET without
// root) whose values `prepare` sets first.
enum class MeasureWhere { in_place, private_netns };

struct MeasureRequest {
  MeasureWhere where = MeasureWhere::in_place;
  // false: the idle half (keepalive probes); true: the busy half, with 1000 bytes written to the
  // silent peer, so that the retransmission timer decides (tcp_retries2).
  bool busy = false;
  // Runs in the measuring child before the connection is made: in the private namespace, with
  // loopback up, it writes the values to measure. May throw Error.
  std::function<void()> prepare;
  std::chrono::milliseconds cap{0}; // give up after this long
  // Called about once a second while waiting, with the time since the measurement began.
  std::function<void(std::chrono::milliseconds)> tick;
};

// What a measurement saw.
struct Measurement {
  std::chrono::milliseconds elapsed{0}; // from SO_KEEPALIVE (idle) or the write (busy) to ETIMEDOUT
  // Busy: the connection's TCP_INFO before the write (RTO and smoothed RTT, microseconds), and
  // when its first RTO retransmission was seen (TCP_INFO polled every 10 ms).
  std::int64_t rto_us = 0;
  std::int64_t rtt_us = 0;
  std::optional<std::chrono::milliseconds> first_retransmission;
};

// Measures how long the kernel takes to declare a silent peer dead: a child process connects over
// loopback, makes the peer silent with a drop-all socket filter (its kernel discards every probe
// and every segment, so no ACK comes back), enables SO_KEEPALIVE (and, busy, writes 1000 bytes)
// and times until the connection fails with ETIMEDOUT. Returns what it saw, or nullopt when
// `cap` passed first (the child is killed). Throws Error when the namespace cannot be made (3
// without privileges), the connection fails otherwise, or `prepare` fails.
std::optional<Measurement> measure_dead_peer(const MeasureRequest& request);

} // namespace kaltune
