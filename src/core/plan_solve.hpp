#pragma once

// The parts of plan's derivation that core/plan.cpp (the solver) and core/plan_nearest.cpp (what
// to say when the goals cannot all be met) share. Not for other modules.

#include "core/plan.hpp"

#include <array>
#include <optional>

namespace kaltune::plan_detail {

// The busy range of every tcp_retries2 for one namespace's inputs, computed when first asked:
// the nearest-goal searches ask for the same values many times.
class BusyTable {
public:
  explicit BusyTable(const BusyInputs& inputs) : inputs_(inputs) {}
  const BusyRange& range(std::int64_t retries2);
  const BusyInputs& inputs() const { return inputs_; }
  // Both grow with tcp_retries2: the largest value whose latest give-up is within `detect_ms`,
  // and the smallest whose earliest last retransmission comes after `outage_ms` (binary
  // searches; nullopt when none).
  std::optional<std::int64_t> largest_within(std::int64_t detect_ms);
  std::optional<std::int64_t> smallest_surviving(std::int64_t outage_ms);

private:
  BusyInputs inputs_;
  std::array<std::optional<BusyRange>, 256> ranges_{}; // tcp_retries2 is a u8
};

// The goals as the numbers the solver compares (nominal seconds: time + k x intvl).
struct Limits {
  std::int64_t tolerance = default_loss_tolerance;
  std::int64_t outage = default_survive_outage; // s
  std::optional<std::int64_t> idle;             // the shortest idle timeout (s)
  std::optional<std::int64_t> before;           // the latest nominal departure before it
  std::optional<std::int64_t> within;           // the latest nominal detection within D
  // No --detect-within: `within` is the kernel's own default detection (7875 s), which the idle
  // values keep where they can, so that a plan never finds a dead peer later than an untuned
  // kernel does.
  bool within_is_default = false;
};
Limits limits_of(const PlanRequest& request);

// The probes an outage of `outage` s takes at most, probes `intvl` apart.
std::int64_t outage_probes(std::int64_t outage, std::int64_t intvl);
// The probes lost before the one the middlebox check is about: the tolerance's or the outage's.
std::int64_t lost_probes(const Limits& limits, std::int64_t intvl);

// The three values the idle half takes.
struct Triple {
  std::int64_t time = 0;
  std::int64_t intvl = 0;
  std::int64_t probes = 0;
};
// The best values for the idle goals (derive's preference), or nullopt when none meet them.
std::optional<Triple> solve_idle(const Limits& limits, const Pins& pins);

// tcp_retries2 for the busy goals, or nullopt when none meets them.
struct Retries2Pick {
  std::int64_t retries2 = default_retries2;
  Retries2Choice choice = Retries2Choice::kept;
};
std::optional<Retries2Pick> solve_busy(const PlanRequest& request, BusyTable& table);

// The TCP_USER_TIMEOUT (ms) that meets the detection and the outage for busy connections without
// ending probed idle connections before the probe after the losses: the largest that does, or
// nullopt (also without a detection goal).
std::optional<std::int64_t> user_timeout_for(const PlanRequest& request, const Limits& limits,
                                             const Triple& values);

// The whole plan, or nullopt.
std::optional<Plan> solve(const PlanRequest& request, BusyTable& table);

// Why the goals cannot all be met and the nearest ones that can (core/plan_nearest.cpp).
Infeasible diagnose(const PlanRequest& request, BusyTable& table);

} // namespace kaltune::plan_detail
