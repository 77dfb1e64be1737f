#include "core/plan.hpp"

#include "core/plan_solve.hpp"
#include "core/verify.hpp"

#include <algorithm>

namespace kaltune {

namespace plan_detail {

namespace {
// Goals beyond this many seconds are out of reach of any value the socket API takes; capping
// them keeps every product below in range.
constexpr std::int64_t goal_cap = 1'000'000'000;

// The largest nominal time S (time + k x intvl) whose probe leaves strictly before `idle` s:
// 1125 S + 500 < 1000 idle.
std::int64_t max_nominal_before(std::int64_t idle) {
  return (1000 * std::min(idle, goal_cap) - 501) / 1125;
}
// The largest nominal time S whose event happens within `detect` s: 1125 S + 500 <= 1000 detect.
std::int64_t max_nominal_within(std::int64_t detect) {
  return (1000 * std::min(detect, goal_cap) - 500) / 1125;
}

// The probes and the largest time that meet the idle goals with this intvl, or nullopt.
std::optional<Triple> best_for_intvl(const Limits& limits, const Pins& pins, std::int64_t intvl) {
  const std::int64_t lost = lost_probes(limits, intvl);
  const auto& pinned_probes = pins[index_of(Key::probes)];
  const std::int64_t probes = pinned_probes.value_or(lost + 1);
  if (probes - 1 < lost || !api_range(Key::probes).contains(probes)) {
    return std::nullopt;
  }
  std::int64_t time = api_range(Key::time).max;
  if (limits.before) {
    time = std::min(time, *limits.before - lost * intvl);
  }
  if (limits.within) {
    time = std::min(time, *limits.within - probes * intvl);
  }
  if (const auto& pinned_time = pins[index_of(Key::time)]) {
    if (*pinned_time > time) {
      return std::nullopt;
    }
    time = *pinned_time;
  }
  if (time < api_range(Key::time).min) {
    return std::nullopt;
  }
  return Triple{time, intvl, probes};
}
} // namespace

const BusyRange& BusyTable::range(std::int64_t retries2) {
  // One slot per value the kernel stores (0-255): a namespace's own 0, or a pinned one, is asked
  // about too, though plan derives within retries2_range only.
  const std::int64_t value =
      std::clamp<std::int64_t>(retries2, 0, static_cast<std::int64_t>(ranges_.size()) - 1);
  auto& slot = ranges_[static_cast<std::size_t>(value)];
  if (!slot) {
    BusyInputs inputs = inputs_;
    inputs.retries2 = value;
    slot = busy_range(retries2_limit(inputs), inputs);
  }
  return *slot;
}

std::optional<std::int64_t> BusyTable::largest_within(std::int64_t detect_ms) {
  if (range(retries2_range.min).latest_ms > detect_ms) {
    return std::nullopt;
  }
  std::int64_t lo = retries2_range.min; // within
  std::int64_t hi = retries2_range.max + 1;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (range(mid).latest_ms <= detect_ms ? lo : hi) = mid;
  }
  return lo;
}

std::optional<std::int64_t> BusyTable::smallest_surviving(std::int64_t outage_ms) {
  if (range(retries2_range.max).survives_ms < outage_ms) {
    return std::nullopt;
  }
  std::int64_t lo = retries2_range.min - 1;
  std::int64_t hi = retries2_range.max; // survives
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (range(mid).survives_ms >= outage_ms ? hi : lo) = mid;
  }
  return hi;
}

Limits limits_of(const PlanRequest& request) {
  const Goals& goals = request.goals;
  const auto& pinned_probes = request.pins[index_of(Key::probes)];
  Limits out;
  out.tolerance = goals.loss_tolerance.value_or(
      pinned_probes ? std::clamp<std::int64_t>(*pinned_probes - 1, 0, default_loss_tolerance)
                    : default_loss_tolerance);
  out.outage = std::min(goals.survive_outage.value_or(default_survive_outage), goal_cap);
  for (const IdleTimeout& idle : goals.idle_timeouts) {
    if (idle.keepalive_resets()) {
      out.idle = std::min(out.idle.value_or(idle.seconds), idle.seconds);
    }
  }
  if (out.idle) {
    out.before = max_nominal_before(*out.idle);
  }
  if (goals.detect_within) {
    out.within = max_nominal_within(*goals.detect_within);
  } else {
    out.within = max_nominal_within(detect_seconds(kernel_defaults));
    out.within_is_default = true;
  }
  return out;
}

std::int64_t outage_probes(std::int64_t outage, std::int64_t intvl) {
  return outage <= 0 ? 0 : (outage + intvl - 1) / intvl;
}

std::int64_t lost_probes(const Limits& limits, std::int64_t intvl) {
  return std::max(limits.tolerance, outage_probes(limits.outage, intvl));
}

namespace {
std::optional<Triple> search_idle(const Limits& limits, const Pins& pins) {
  const Range intvls = api_range(Key::intvl);
  const auto& pinned = pins[index_of(Key::intvl)];
  // No intvl beyond these leaves a time of at least 1 s.
  std::int64_t top = intvls.max;
  if (limits.before && (limits.tolerance > 0 || limits.outage > 0)) {
    top = std::min(top, *limits.before - 1); // at least one probe is lost before the one checked
  }
  if (limits.within) {
    top = std::min(top, *limits.within - 1);
  }
  std::optional<Triple> longest;
  // From the longest intvl down: the first that keeps time >= intvl wins; failing that, the
  // longest that meets the goals at all.
  for (std::int64_t intvl = pinned.value_or(top); intvl >= pinned.value_or(intvls.min); --intvl) {
    const auto values = best_for_intvl(limits, pins, intvl);
    if (!values) {
      continue;
    }
    if (values->time >= values->intvl) {
      return values;
    }
    if (!longest) {
      longest = values;
    }
  }
  return longest;
}
} // namespace

std::optional<Triple> solve_idle(const Limits& limits, const Pins& pins) {
  if (auto values = search_idle(limits, pins); values || !limits.within_is_default) {
    return values;
  }
  Limits unbounded = limits; // the default detection is a preference, never a goal
  unbounded.within.reset();
  return search_idle(unbounded, pins);
}

std::optional<Retries2Pick> solve_busy(const PlanRequest& request, BusyTable& table) {
  const std::int64_t outage_ms = limits_of(request).outage * 1000;
  const auto& detect = request.goals.detect_within;
  const auto meets = [&](std::int64_t n) {
    const BusyRange& range = table.range(n);
    return range.survives_ms >= outage_ms &&
           (!detect || range.latest_ms <= std::min(*detect, goal_cap) * 1000);
  };
  if (const auto& given = request.pins[index_of(Key::retries2)]) {
    return meets(*given) ? std::optional<Retries2Pick>(Retries2Pick{*given, Retries2Choice::given})
                         : std::nullopt;
  }
  if (detect) {
    // The latest give-up grows with tcp_retries2: the largest within the detection survives
    // the longest outage.
    const auto best = table.largest_within(std::min(*detect, goal_cap) * 1000);
    if (!best || !meets(*best)) {
      return std::nullopt;
    }
    return Retries2Pick{*best, Retries2Choice::within_detection};
  }
  const std::int64_t own = table.inputs().retries2;
  if (meets(own)) {
    return Retries2Pick{own, Retries2Choice::kept};
  }
  if (const auto raised = table.smallest_surviving(outage_ms)) {
    return Retries2Pick{*raised, Retries2Choice::raised};
  }
  return std::nullopt;
}

namespace {
// The longest outage (s) a healthy idle connection survives with these values: its probes
// span (probes - 1) x intvl, and the probe after the outage must still leave before the
// shortest idle timeout.
std::int64_t idle_survival(const Limits& limits, const Triple& v) {
  std::int64_t spans = v.probes - 1;
  if (limits.before) {
    spans = std::min(spans, (*limits.before - v.time) / v.intvl);
  }
  return std::max<std::int64_t>(0, spans) * v.intvl;
}

std::vector<GoalCheck> idle_checks(const PlanRequest& request, const Limits& limits,
                                   const Triple& v, bool time_given) {
  std::vector<GoalCheck> out;
  const std::int64_t lost = lost_probes(limits, v.intvl);
  const std::int64_t outage_lost = outage_probes(limits.outage, v.intvl);
  bool idle_bound_marked = false;
  for (const IdleTimeout& idle : request.goals.idle_timeouts) {
    GoalCheck check;
    check.kind = GoalKind::idle_timeout;
    check.idle = idle;
    check.lost_probes = lost;
    check.goal_ms = idle.seconds * 1000;
    check.reached_ms = latest_ms(v.time + lost * v.intvl);
    check.margin_ms = check.goal_ms - check.reached_ms;
    check.binding = !time_given && !idle_bound_marked && idle.seconds == limits.idle &&
                    v.time == *limits.before - lost * v.intvl;
    idle_bound_marked = idle_bound_marked || check.binding;
    out.push_back(std::move(check));
  }
  if (request.goals.detect_within) {
    GoalCheck check;
    check.kind = GoalKind::detect_within;
    check.goal_ms = std::min(*request.goals.detect_within, goal_cap) * 1000;
    check.reached_ms = latest_ms(v.time + v.probes * v.intvl);
    check.margin_ms = check.goal_ms - check.reached_ms;
    check.binding = !time_given && v.time == *limits.within - v.probes * v.intvl;
    out.push_back(check);
  }
  const bool probes_given = request.pins[index_of(Key::probes)].has_value();
  GoalCheck outage;
  outage.kind = GoalKind::survive_outage;
  outage.lost_probes = outage_lost;
  outage.goal_ms = limits.outage * 1000;
  outage.reached_ms = idle_survival(limits, v) * 1000;
  outage.margin_ms = outage.reached_ms - outage.goal_ms;
  outage.binding = !probes_given && outage_lost > limits.tolerance;
  out.push_back(outage);
  GoalCheck tolerance;
  tolerance.kind = GoalKind::loss_tolerance;
  tolerance.goal_ms = limits.tolerance + 1;
  tolerance.reached_ms = v.probes;
  tolerance.margin_ms = v.probes - (limits.tolerance + 1);
  tolerance.binding = !probes_given && outage_lost <= limits.tolerance;
  out.push_back(tolerance);
  return out;
}

std::vector<GoalCheck> busy_checks(const PlanRequest& request, const Limits& limits,
                                   const Plan& plan) {
  std::vector<GoalCheck> out;
  if (request.goals.detect_within) {
    GoalCheck check;
    check.kind = GoalKind::detect_within;
    check.half = Half::busy;
    check.goal_ms = std::min(*request.goals.detect_within, goal_cap) * 1000;
    check.reached_ms = plan.busy.latest_ms;
    check.margin_ms = check.goal_ms - check.reached_ms;
    check.binding = plan.retries2_choice == Retries2Choice::within_detection;
    out.push_back(check);
  }
  GoalCheck outage;
  outage.kind = GoalKind::survive_outage;
  outage.half = Half::busy;
  outage.goal_ms = limits.outage * 1000;
  outage.reached_ms = plan.busy.survives_ms;
  outage.margin_ms = outage.reached_ms - outage.goal_ms;
  outage.binding = plan.retries2_choice == Retries2Choice::raised;
  out.push_back(outage);
  return out;
}

} // namespace

std::optional<std::int64_t> user_timeout_for(const PlanRequest& request, const Limits& limits,
                                             const Triple& values) {
  const auto& detect = request.goals.detect_within;
  if (!detect) {
    return std::nullopt;
  }
  // 9/8 x (2 RTOs + U) + 0.5 s <= D: the first retransmission up to two initial RTOs after the
  // send, then the timer fires right at U. The largest such U survives the longest outage.
  const std::int64_t rto = std::max(request.busy.rto_min_ms, initial_rto_ms);
  const std::int64_t most = (std::min(*detect, goal_cap) * 1000 - 500) * 8 / 9 - 2 * rto;
  // A probed idle connection ends once U has passed since it last heard the peer: U must come
  // after the probe that follows the tolerated losses or the outage leaves.
  const std::int64_t lost = lost_probes(limits, values.intvl);
  if (most <= latest_ms(values.time + lost * values.intvl)) {
    return std::nullopt;
  }
  const BusyLimit limit = user_timeout_limit(most, request.busy.rto_max_ms);
  if (busy_range(limit, request.busy).survives_ms < limits.outage * 1000) {
    return std::nullopt;
  }
  return most;
}

std::optional<Plan> solve(const PlanRequest& request, BusyTable& table) {
  const Limits limits = limits_of(request);
  for (const IdleTimeout& idle : request.goals.idle_timeouts) {
    if (!idle.keepalive_resets()) {
      return std::nullopt;
    }
  }
  const auto values = solve_idle(limits, request.pins);
  const auto retries2 = solve_busy(request, table);
  if (!values || !retries2) {
    return std::nullopt;
  }
  Plan plan;
  plan.settings[Key::time] = values->time;
  plan.settings[Key::intvl] = values->intvl;
  plan.settings[Key::probes] = values->probes;
  for (Key key : all_keys) {
    plan.given[index_of(key)] = request.pins[index_of(key)].has_value();
  }
  plan.settings[Key::retries2] = retries2->retries2;
  plan.retries2_choice = retries2->choice;
  plan.busy = table.range(retries2->retries2);
  plan.loss_tolerance = limits.tolerance;
  plan.loss_tolerance_defaulted = !request.goals.loss_tolerance;
  plan.survive_outage = limits.outage;
  plan.survive_outage_defaulted = !request.goals.survive_outage;
  plan.detect_seconds = detect_seconds(plan.settings);
  plan.detect_latest_ms = latest_ms(plan.detect_seconds);
  plan.time_at_least_intvl = values->time >= values->intvl;
  plan.default_detection_kept = limits.within_is_default && !plan.given[index_of(Key::time)] &&
                                values->time == *limits.within - values->probes * values->intvl;
  plan.checks = idle_checks(request, limits, *values, plan.given[index_of(Key::time)]);
  for (GoalCheck& check : busy_checks(request, limits, plan)) {
    plan.checks.push_back(std::move(check));
  }
  plan.user_timeout_ms = user_timeout_for(request, limits, *values);
  return plan;
}

} // namespace plan_detail

std::int64_t latest_ms(std::int64_t nominal_seconds) {
  // The tolerance verify allows around its measurement: the timer wheel fires a timer late by
  // up to about 1/8 of its length (never early), plus half a second for scheduling.
  const std::int64_t nominal_ms = nominal_seconds * 1000;
  return nominal_ms + verify_tolerance_ms(nominal_ms);
}

Derivation derive(const PlanRequest& request) {
  plan_detail::BusyTable table(request.busy);
  if (auto plan = plan_detail::solve(request, table)) {
    return std::move(*plan);
  }
  return plan_detail::diagnose(request, table);
}

} // namespace kaltune
