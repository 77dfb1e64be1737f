#pragma once

// What `verify` measured and whether that agrees with the values: the decision behind its exit
// status (0 within the tolerance, 4 outside it). render/verify prints it.

#include "base/keepalive.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace kaltune {

// What `verify` measured and what it expected.
struct VerifyReport {
  Settings settings;
  std::array<bool, key_count> given{};     // from --time/--intvl/--probes; the rest are running
  bool private_netns = true;               // false: measured in place (--running)
  std::int64_t expected_ms = 0;            // time + intvl × probes
  std::int64_t tolerance_ms = 0;           // |measured − expected| allowed
  std::int64_t timeout_ms = 0;             // the cap on the wait
  std::optional<std::int64_t> measured_ms; // nullopt: no ETIMEDOUT within the cap
  bool within() const;
};

// The tolerance of a measurement of `expected_ms`: half a second for scheduling and the start of
// the measurement, plus one eighth of the expected time, because the kernel's timer wheel may
// fire a timer late by up to about 1/8 of its length (it batches long timers; never early).
std::int64_t verify_tolerance_ms(std::int64_t expected_ms);

} // namespace kaltune
