#pragma once

// plan: the values from goals. Pure: goals, explicit values and the busy inputs in, a Plan (the
// values and, per goal, what bounds it and the margin left) or an Infeasible (what conflicts and
// the nearest goals that can be met) out, as data; render/plan writes the English.

#include "base/keepalive.hpp"
#include "core/busy.hpp"
#include "core/presets.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace kaltune {

// What the operator wants from keepalive, instead of three numbers.
struct Goals {
  // Idle timeouts of the middleboxes on the path; the shortest binds.
  std::vector<IdleTimeout> idle_timeouts;
  // The longest a connection to a dead peer may survive (s), idle or busy.
  std::optional<std::int64_t> detect_within;
  // The longest outage (s) that must not end a healthy connection; nullopt: the default.
  std::optional<std::int64_t> survive_outage;
  // Consecutive lost probes a healthy idle connection must survive; nullopt: the default.
  std::optional<std::int64_t> loss_tolerance;
};

// A path that fails without a link-down signal blackholes traffic until BGP's hold timer ends
// the session: 90 s, RFC 4271's suggested HoldTime and AWS Direct Connect's default (without
// BFD). That is the outage a healthy connection survives unless told otherwise.
inline constexpr std::int64_t default_survive_outage = 90;
// Random loss is another matter than an outage: at scale, two probes lost in a row happen daily,
// so a healthy idle connection survives two lost probes unless told otherwise (a floor on top of
// which the outage may need more). With --probes given and no --loss-tolerance: min(2, probes-1).
inline constexpr std::int64_t default_loss_tolerance = 2;
// probes is at most 127 (TCP_KEEPCNT), and probes >= tolerance + 1.
inline constexpr Range loss_tolerance_range{0, 126};

// Values given explicitly (set --time/--intvl/--probes); the derivation keeps them.
using Pins = std::array<std::optional<std::int64_t>, key_count>;

struct PlanRequest {
  Goals goals;
  Pins pins{};
  // The namespace's busy half (tcp_retries2, tcp_rto_max_ms, tcp_rto_min_us).
  BusyInputs busy{};
};

// The latest moment, in ms after the last packet, that the kernel sends the probe that leaves
// `nominal_seconds` after it (time + k x intvl): the timer wheel may fire late by 1/8 + 0.5 s.
std::int64_t latest_ms(std::int64_t nominal_seconds);

enum class GoalKind { idle_timeout, detect_within, survive_outage, loss_tolerance };
// Which half of a connection's life a check is about: idle (keepalive probes) or busy (data in
// flight: retransmissions and tcp_retries2).
enum class Half { idle, busy };

// How one goal is met. For a time goal (idle timeout, detection) `reached_ms` is the latest the
// values give and the margin is goal - reached; for the outage it is the longest outage the
// values survive and the margin is reached - goal; for the loss tolerance both are probe counts.
struct GoalCheck {
  GoalKind kind = GoalKind::idle_timeout;
  Half half = Half::idle;
  std::optional<IdleTimeout> idle; // the idle-timeout goal
  std::int64_t goal_ms = 0;
  std::int64_t reached_ms = 0;
  std::int64_t margin_ms = 0; // never negative in a plan
  // Idle timeout: the probe whose latest departure is checked, after this many were lost (to the
  // tolerated losses or to the outage, whichever is more). Outage (idle): the lost probes an
  // outage of the goal's length takes at most.
  std::int64_t lost_probes = 0;
  bool binding = false; // this goal decided a value
};

// How tcp_retries2 was chosen.
enum class Retries2Choice {
  given,            // as given (verify --retries2)
  within_detection, // the largest whose worst case meets --detect-within
  kept,             // the namespace's value: it survives the outage and no detection was asked
  raised,           // the smallest that survives the outage (the namespace's value does not)
};

struct Plan {
  Settings settings;
  std::array<bool, key_count> given{}; // true: kept from the command line, not derived
  Retries2Choice retries2_choice = Retries2Choice::kept;
  BusyRange busy; // the busy half with that tcp_retries2
  std::int64_t loss_tolerance = default_loss_tolerance;
  bool loss_tolerance_defaulted = true;
  std::int64_t survive_outage = default_survive_outage;
  bool survive_outage_defaulted = true;
  std::int64_t detect_seconds = 0;   // time + intvl x probes
  std::int64_t detect_latest_ms = 0; // with the timer's lateness
  // The TCP_USER_TIMEOUT (ms) that a program (or enforce --user-timeout) would set instead of
  // tcp_retries2 to meet --detect-within and the outage: the largest that does, and after the
  // probe that follows the lost ones leaves (it also ends a probed idle connection once that
  // long has passed since the peer was last heard). nullopt: none does, or no detection goal.
  std::optional<std::int64_t> user_timeout_ms;
  bool time_at_least_intvl = true; // the plan keeps time >= intvl (see derive)
  // No --detect-within, and the kernel's own default detection (7875 s) bounded the values.
  bool default_detection_kept = false;
  std::vector<GoalCheck> checks; // the idle checks in the order of the goals, then the busy ones

  // Whether the plan asks to set `key`: every keepalive key, and tcp_retries2 unless the
  // namespace's own value was kept.
  bool sets(Key key) const {
    return key != Key::retries2 || retries2_choice != Retries2Choice::kept;
  }
};

// Why goals cannot all be met, as data.
enum class Conflict {
  keepalive_ignored,      // a middlebox does not count probes as traffic: `ignoring`
  probes_below_tolerance, // --probes survives fewer lost probes than the tolerance
  idle_half,              // no time, intvl and probes meet the idle goals: `shortfalls`
  busy_half,              // no tcp_retries2 meets the detection and the outage: `busy`
};

// An idle goal that cannot be met even by the values most favourable to it.
struct Shortfall {
  GoalKind kind = GoalKind::idle_timeout; // idle_timeout or detect_within
  std::int64_t goal_ms = 0;
  std::int64_t best_ms = 0; // the soonest the values allow (the probe after the losses, or the
                            // detection), at the latest
  std::int64_t lost_probes = 0;
};

// tcp_retries2 against the detection and the outage: the largest value within the detection
// survives too short an outage, the smallest that survives it detects too late.
struct BusyShortfall {
  std::int64_t detect_ms = 0;
  std::int64_t outage_ms = 0;
  std::optional<std::int64_t> within_detection; // the largest tcp_retries2 within it
  std::int64_t within_survives_ms = 0;
  std::optional<std::int64_t> surviving; // the smallest tcp_retries2 that survives the outage
  std::int64_t surviving_latest_ms = 0;
  // The TCP_USER_TIMEOUT that would meet both instead (a program's, or enforce --user-timeout).
  std::optional<std::int64_t> user_timeout_ms;
};

// One change of the goals or the given values.
enum class Adjust {
  idle_timeout,      // every idle timeout at least `value` s
  drop_idle_timeout, // without the --idle-timeout `idle`
  detect_within,     // s
  survive_outage,    // s
  loss_tolerance,    // probes
  time,
  intvl,
  probes, // given values
  retries2,
};
struct GoalChange {
  Adjust what = Adjust::detect_within;
  std::int64_t value = 0;
  std::optional<IdleTimeout> idle; // drop_idle_timeout
};
// A complete alternative: these changes together make every goal met.
using Alternative = std::vector<GoalChange>;

struct Infeasible {
  Conflict conflict = Conflict::idle_half;
  std::optional<IdleTimeout> ignoring; // keepalive_ignored
  std::int64_t probes = 0;             // probes_below_tolerance: the probes given
  std::int64_t loss_tolerance = 0;     // probes_below_tolerance and idle_half
  std::int64_t survive_outage = 0;     // idle_half: the outage (s)
  std::vector<Shortfall> shortfalls;   // idle_half
  std::optional<BusyShortfall> busy;   // busy_half
  std::vector<Alternative> nearest;    // each makes every goal met; may be empty
};

using Derivation = std::variant<Plan, Infeasible>;

// Derives the values from the goals (README "How plan derives the values"). The rules:
//  - probe k (k = 0 first, after k lost ones) leaves at the latest latest_ms(time + k x intvl);
//    an answered probe re-arms time, not intvl;
//  - an outage of O s takes at most ceil(O / intvl) probes; the healthy idle connection survives
//    it when probes - 1 >= that, and survives `loss tolerance` lost probes when probes - 1 >= it;
//  - every idle timeout X (of a middlebox that counts probes as traffic): the probe after the
//    lost ones (the outage's or the tolerance's, whichever are more) leaves strictly before X;
//  - detect-within D: latest_ms(time + probes x intvl) <= D, and the busy half's latest give-up
//    (core/busy, over RTOs up to 1 s) <= D;
//  - the busy half survives the outage: its earliest last retransmission comes after O;
//  - every value within the socket API's range, tcp_retries2 within 0-255.
// Among the values that meet every goal: time >= intvl where possible (a healthy connection is
// never probed more often than a silent one), then the longest intvl (the largest margin on the
// outage: a blip takes the fewest probes and the probes span the longest outage), then the fewest
// probes, then the largest time. tcp_retries2: the largest that meets --detect-within; without
// it, the namespace's own unless that does not survive the outage. Without --detect-within the
// idle values keep detection within the kernel's own default 7875 s where they can (a plan never
// finds a dead peer later than an untuned kernel). Given values are kept.
Derivation derive(const PlanRequest& request);

} // namespace kaltune
