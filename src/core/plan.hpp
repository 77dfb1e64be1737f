#pragma once

#include "base/keepalive.hpp"
#include "core/presets.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kaltune {

// What the operator wants from keepalive, instead of three numbers.
struct Goals {
  // Idle timeouts of the middleboxes on the path; the shortest binds.
  std::vector<IdleTimeout> idle_timeouts;
  // The longest an idle connection to a dead peer may survive.
  std::optional<std::int64_t> detect_within;
  // How many consecutive lost probes a healthy connection must survive; nullopt: the default.
  std::optional<std::int64_t> loss_tolerance;
};

// Survive two lost probes unless told otherwise: one lost packet must never kill a healthy
// connection, and a second covers a short burst. With --probes given and no --loss-tolerance,
// the tolerance is min(2, probes - 1).
inline constexpr std::int64_t default_loss_tolerance = 2;
// probes is at most 127 (TCP_KEEPCNT), and probes = tolerance + 1.
inline constexpr Range loss_tolerance_range{0, 126};

// Values given explicitly (set --time/--intvl/--probes); the derivation keeps them.
using Pins = std::array<std::optional<std::int64_t>, key_count>;

// The latest moment, in ms after the last packet, that the kernel sends the probe that leaves
// `nominal_seconds` after it (time + k x intvl): the timer wheel may fire late by 1/8 + 0.5 s.
std::int64_t latest_ms(std::int64_t nominal_seconds);

// "349.25 s", "4 s": non-negative milliseconds as seconds, without trailing zeros.
std::string ms_as_seconds(std::int64_t ms);

enum class GoalKind { idle_timeout, detect_within, loss_tolerance };

// How one goal is met: which value it bound and by how much margin.
struct GoalCheck {
  GoalKind kind;
  std::string goal; // "idle timeout 350 s (aws-nlb, AWS Network Load Balancer ...)"
  std::optional<std::string> preset; // the preset (with its override) an idle timeout came from
  std::string bound;                 // "time + 2 x intvl"
  std::int64_t limit_ms;             // the goal (ms; probes for the loss tolerance)
  std::int64_t worst_ms;             // what the values give at worst (ms; probes)
  std::int64_t margin_ms;            // limit - worst (ms; spare probes); never negative in a plan
  bool binding = false;              // this goal decided `time`
  std::string explanation;           // one sentence
};

struct Plan {
  Settings settings;
  std::array<bool, key_count> given{}; // true: kept from the command line, not derived
  std::int64_t loss_tolerance = default_loss_tolerance;
  bool loss_tolerance_defaulted = true;
  std::int64_t detect_seconds = 0;   // time + intvl x probes
  std::int64_t detect_latest_ms = 0; // with the timer's lateness
  std::vector<GoalCheck> checks;     // one per goal, in the order given
  std::string preference;            // why these values among all that meet the goals
};

// Goals that cannot all be met: why, and the nearest goals that can.
struct Infeasible {
  std::string reason;
  std::vector<std::string> nearest; // each a complete alternative ("--detect-within 7s")
};

using Derivation = std::variant<Plan, Infeasible>;

// Derives the three values from the goals (see README "How plan derives the values"):
//  - probe k (k = 0 first, after k lost ones) leaves at the latest
//    latest_ms(time + k x intvl) = 1125 x (time + k x intvl) + 500 ms after the last packet;
//  - every idle timeout X (of a middlebox that counts probes as traffic): probe number
//    `loss tolerance` (the first one that gets through after the tolerated losses) leaves
//    strictly before X, so the flow is still there whichever side lost the probes;
//  - detect-within D: latest_ms(time + probes x intvl) <= D;
//  - probes = loss tolerance + 1; every value within the socket API's range.
// Among the values that meet every goal it takes the largest `time` (a healthy idle connection
// sends one probe per `time`, answered probes re-arm `time`, so that is the fewest probes), then
// the smallest intvl and probes (the fastest detection). Values in `pins` are kept as given.
Derivation derive(const Goals& goals, const Pins& pins = {});

} // namespace kaltune
