#pragma once

// The busy half: how long a connection with unacknowledged data to a silent peer lives. While
// data is in flight the keepalive timer does nothing; the retransmission timer decides, as the
// kernel does it (net/ipv4/tcp_timer.c):
//  - the first RTO retransmission goes out one RTO after the last send (after the tail loss
//    probe's timeout, at most one more RTO, when a probe goes first); tp->retrans_stamp is its
//    time, and every limit below counts from it;
//  - each later expiry of the timer comes min(RTO x 2^j, rto_max) after the one before;
//  - at each expiry, before retransmitting, tcp_write_timeout gives the connection up once the
//    time since the first retransmission has reached the limit: tcp_model_timeout(tcp_retries2)
//    = (2^(N+1) - 1) x 200 ms while N <= log2(rto_max / 200 ms), then + rto_max per further
//    retry (924.6 s for 15, 12.6 s for 5, 3.0 s for 3), or the socket's TCP_USER_TIMEOUT,
//    which also clamps the timer so that it fires right at the limit.
// So the real time is the first expiry at or after the limit: up to one backoff after it, and
// it depends on the connection's own RTO, which follows the path's round trip.

#include "base/keepalive.hpp"

#include <cstdint>
#include <optional>

namespace kaltune {

class ProcSys;

// TCP_RTO_MIN: the base of tcp_model_timeout, whatever tcp_rto_min_us says.
inline constexpr std::int64_t model_rto_ms = 200;
// TCP_TIMEOUT_INIT: the RTO a connection has before its first round-trip sample; plan assumes
// RTOs up to it (paths with a round trip up to about 0.8 s).
inline constexpr std::int64_t initial_rto_ms = 1000;
inline constexpr std::int64_t default_rto_max_ms = 120000; // TCP_RTO_MAX
inline constexpr std::int64_t default_retries2 = 15;
// What plan derives tcp_retries2 within: kaltune's range for the key (base/keepalive's api_range,
// what `set` takes without --force). The kernel also takes 0: every connection given up at its
// first retransmission timeout, which no plan should answer.
inline constexpr Range retries2_range{1, 255};

// What the busy half of this namespace depends on. retries2 becomes Settings[Key::retries2]
// once tcp_retries2 is one of kaltune's keys.
struct BusyInputs {
  std::int64_t retries2 = default_retries2;     // net.ipv4.tcp_retries2
  std::int64_t rto_max_ms = default_rto_max_ms; // net.ipv4.tcp_rto_max_ms (Linux 6.15+)
  std::int64_t rto_min_ms = model_rto_ms;       // net.ipv4.tcp_rto_min_us / 1000 (6.11+)
};

// Reads the three through `proc`; tcp_rto_max_ms and tcp_rto_min_us keep their defaults on a
// kernel without them. Throws Error when tcp_retries2 cannot be read.
BusyInputs read_busy_inputs(ProcSys& proc);

// tcp_model_timeout(retries2) with the given rto_max, in ms.
std::int64_t model_timeout_ms(std::int64_t retries2, std::int64_t rto_max_ms);

// What gives a busy connection up: the time since the first retransmission at which it is done.
enum class BusyRule { retries2, user_timeout };
struct BusyLimit {
  BusyRule rule = BusyRule::retries2;
  std::int64_t ms = 0; // tcp_model_timeout(retries2), or the TCP_USER_TIMEOUT
  std::int64_t rto_max_ms = default_rto_max_ms;
};
BusyLimit retries2_limit(const BusyInputs& inputs);
BusyLimit user_timeout_limit(std::int64_t user_timeout_ms,
                             std::int64_t rto_max_ms = default_rto_max_ms);

// Expiry j (j >= 1) of the retransmission timer, in ms after the first retransmission, for a
// connection whose RTO was `rto_ms` before it backed off: the sum of min(rto x 2^i, rto_max).
double expiry_ms(double rto_ms, std::int64_t j, std::int64_t rto_max_ms);

// One connection whose RTO is `rto_ms`, every time after its first RTO retransmission.
struct BusyTimeline {
  std::int64_t retransmissions = 0;        // RTO retransmissions sent, the first included
  std::int64_t last_retransmission_ms = 0; // the last one: an outage must end before it
  std::int64_t give_up_ms = 0;             // ETIMEDOUT
  // One expiry sooner: where the timer's lateness (up to 1/8 + 0.5 s) can carry the expiry
  // before the give-up over the limit, the kernel gives up there instead.
  std::optional<std::int64_t> early_give_up_ms;
};
BusyTimeline busy_timeline(const BusyLimit& limit, double rto_ms);

// From the last send of a single segment to its first RTO retransmission: the tail loss probe
// waits min(2 x srtt + rto_min, rto), then the RTO timer starts again from it.
std::int64_t first_retransmission_ms(double rto_ms, double srtt_ms, std::int64_t rto_min_ms);

// The busy half over every RTO a connection here can have, from inputs.rto_min_ms up to
// initial_rto_ms (at least rto_min), all in ms after the last send.
struct BusyRange {
  BusyLimit limit;
  std::int64_t earliest_ms = 0; // rto_min + the limit: no connection is given up sooner
  std::int64_t worst_ms = 0;    // the latest give-up: up to 2 RTOs + the expiry after the limit
  std::int64_t latest_ms = 0;   // worst with the timer's lateness (9/8 x worst + 0.5 s)
  std::int64_t survives_ms = 0; // every outage shorter than this is survived: the earliest
                                // last retransmission, with the timer's lateness counted
};
BusyRange busy_range(const BusyLimit& limit, const BusyInputs& inputs);

// What TCP_INFO and inet_diag say of a connection whose retransmission timer runs.
struct BusyState {
  std::int64_t retransmits = 0; // icsk_retransmits (inet_diag's idiag_retrans)
  std::int64_t backoff = 0;     // icsk_backoff
  std::int64_t rto_us = 0;      // icsk_rto, backed off
  std::int64_t timer_left_ms = 0;
};
// How long such a connection has left before it is given up, if the peer stays silent. Exact
// when the timer has backed off as often as it retransmitted and below rto_max (the RTO before
// backoff is then rto >> backoff); otherwise the latest the limit allows.
struct BusyLeft {
  std::int64_t left_ms = 0;
  bool exact = false;
};
BusyLeft busy_left(const BusyState& state, const BusyLimit& limit, const BusyInputs& inputs);

} // namespace kaltune
