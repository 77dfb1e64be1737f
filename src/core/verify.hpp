#pragma once

// What `verify` measured and whether that agrees with the values: the decision behind its exit
// status (0 within the tolerance, 4 outside it). render/verify prints it.

#include "base/keepalive.hpp"
#include "core/busy.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace kaltune {

// The busy half of a measurement (verify --busy): what the connection's own RTO predicts.
struct BusyVerify {
  std::int64_t retries2 = 0;
  std::int64_t bound_ms = 0; // tcp_model_timeout(retries2)
  std::int64_t rto_us = 0;   // the connection's RTO and smoothed RTT before the write (TCP_INFO)
  std::int64_t rtt_us = 0;
  std::int64_t first_ms = 0;                 // predicted first RTO retransmission after the write
  std::optional<std::int64_t> first_seen_ms; // when the child saw it
  std::int64_t retransmissions = 0;          // RTO retransmissions predicted
  // The timer's lateness may carry the expiry before the give-up over the bound: the kernel
  // then gives up one expiry sooner, here (ms after the write), with its own tolerance.
  std::optional<std::int64_t> early_ms;
  std::int64_t early_tolerance_ms = 0;
};

// What `verify` measured and what it expected.
struct VerifyReport {
  Settings settings;
  std::array<bool, key_count> given{};     // from --time/--intvl/--probes; the rest are running
  bool private_netns = true;               // false: measured in place (--running)
  std::int64_t expected_ms = 0;            // time + intvl × probes, or the busy prediction
  std::int64_t tolerance_ms = 0;           // |measured − expected| allowed
  std::int64_t timeout_ms = 0;             // the cap on the wait
  std::optional<std::int64_t> measured_ms; // nullopt: no ETIMEDOUT within the cap
  std::optional<BusyVerify> busy;          // verify --busy
  bool within() const;
};

// The tolerance of a measurement of `expected_ms`: half a second for scheduling and the start of
// the measurement, plus one eighth of the expected time, because the kernel's timer wheel may
// fire a timer late by up to about 1/8 of its length (it batches long timers; never early).
std::int64_t verify_tolerance_ms(std::int64_t expected_ms);

// The busy prediction from the connection's RTO and RTT: the first RTO retransmission after the
// tail loss probe (core/busy), then the expiry at or after the bound of `retries2`; the same
// tolerance, and the expiry before as the one alternative (the bound is a comparison of elapsed
// time, so a late timer can reach it one expiry sooner: one backoff, the busy half's own rule).
void predict_busy(VerifyReport& report, const BusyInputs& inputs, std::int64_t rto_us,
                  std::int64_t rtt_us);

} // namespace kaltune
