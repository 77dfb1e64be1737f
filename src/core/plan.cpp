#include "core/plan.hpp"

#include "core/verify.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kaltune {

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
// The shortest idle timeout (s) that nominal time S leaves strictly before.
std::int64_t min_idle_for(std::int64_t nominal) {
  return latest_ms(nominal) / 1000 + 1;
}
// The shortest detection goal (s) that nominal time S meets.
std::int64_t min_detect_for(std::int64_t nominal) {
  return (latest_ms(nominal) + 999) / 1000;
}

std::string idle_label(const IdleTimeout& idle) {
  if (!idle.preset) {
    return fmt::format("idle timeout {} s", idle.seconds);
  }
  return fmt::format("idle timeout {} s ({}, {})", idle.seconds, idle.text,
                     idle.preset->preset->middlebox);
}

// "time + 2 × intvl" for probe number k (0: the first).
std::string probe_sum(std::int64_t k) {
  return k == 0 ? std::string("time") : fmt::format("time + {} \u00d7 intvl", k);
}

std::string lost_text(std::int64_t k) {
  return k == 1 ? "1 lost probe" : fmt::format("{} lost probes", k);
}

struct Bounds {
  std::int64_t loss_tolerance;
  std::int64_t intvl;
  std::int64_t probes;
  std::optional<std::int64_t> idle;      // the shortest idle timeout that counts probes
  std::optional<std::int64_t> time_idle; // the largest time the idle timeout allows
  std::optional<std::int64_t> time_detect;
};

void explain_idle_failure(const Bounds& b, std::int64_t time_needed, Infeasible& out,
                          std::vector<std::string>& raise, std::optional<std::int64_t>& lower) {
  const std::int64_t n = b.loss_tolerance;
  const std::int64_t nominal = time_needed + n * b.intvl;
  out.reason +=
      fmt::format("{}the idle timeout of {} s is too short{}: with time {} s{}, probe {} may leave "
                  "as late as {} after the last packet (9/8 \u00d7 {} s + 0.5 s), not before {} s",
                  out.reason.empty() ? "" : "; ", *b.idle,
                  n > 0 ? fmt::format(" to survive {}", lost_text(n)) : "", time_needed,
                  n > 0 ? fmt::format(" and intvl {} s", b.intvl) : "", n + 1,
                  ms_as_seconds(latest_ms(nominal)), nominal, *b.idle);
  raise.push_back(fmt::format("--idle-timeout {}s", min_idle_for(nominal)));
  const std::int64_t room = max_nominal_before(*b.idle) - time_needed;
  if (n > 0 && room >= 0) {
    lower = std::min(lower.value_or(n), room / b.intvl);
  }
}

void explain_detect_failure(const Goals& goals, const Pins& pins, const Bounds& b,
                            std::int64_t time_needed, Infeasible& out,
                            std::vector<std::string>& raise, std::optional<std::int64_t>& lower,
                            bool& lower_blocked) {
  const std::int64_t nominal = time_needed + b.probes * b.intvl;
  out.reason += fmt::format(
      "{}--detect-within {} s is too short{}: with time {} s, intvl {} s and {} probes a dead peer "
      "may be declared dead only {} after the last packet (9/8 \u00d7 {} s + 0.5 s)",
      out.reason.empty() ? "" : "; ", *goals.detect_within,
      pins[index_of(Key::probes)] ? ""
                                  : fmt::format(" for a loss tolerance of {}", b.loss_tolerance),
      time_needed, b.intvl, b.probes, ms_as_seconds(latest_ms(nominal)), nominal);
  raise.push_back(fmt::format("--detect-within {}s", min_detect_for(nominal)));
  // Fewer probes help only when probes are derived from the loss tolerance.
  const std::int64_t room = max_nominal_within(*goals.detect_within) - time_needed;
  if (pins[index_of(Key::probes)] || room < b.intvl) {
    lower_blocked = true;
  } else {
    lower = std::min(lower.value_or(b.loss_tolerance), room / b.intvl - 1);
  }
}

} // namespace

std::string ms_as_seconds(std::int64_t ms) {
  std::string out = fmt::format("{}.{:03}", ms / 1000, ms % 1000);
  while (out.back() == '0') {
    out.pop_back();
  }
  if (out.back() == '.') {
    out.pop_back();
  }
  return out + " s";
}

std::int64_t latest_ms(std::int64_t nominal_seconds) {
  // The tolerance verify allows around its measurement: the timer wheel fires a timer late by
  // up to about 1/8 of its length (never early), plus half a second for scheduling.
  const std::int64_t nominal_ms = nominal_seconds * 1000;
  return nominal_ms + verify_tolerance_ms(nominal_ms);
}

Derivation derive(const Goals& goals, const Pins& pins) {
  const auto& pinned_time = pins[index_of(Key::time)];
  const auto& pinned_intvl = pins[index_of(Key::intvl)];
  const auto& pinned_probes = pins[index_of(Key::probes)];

  Bounds b{};
  b.loss_tolerance = goals.loss_tolerance.value_or(
      pinned_probes ? std::min(default_loss_tolerance, *pinned_probes - 1)
                    : default_loss_tolerance);
  if (pinned_probes && *pinned_probes < b.loss_tolerance + 1) {
    Infeasible out{fmt::format("--probes {} survives only {}, fewer than the loss tolerance of {}",
                               *pinned_probes, lost_text(*pinned_probes - 1), b.loss_tolerance),
                   {}};
    // Either side of the conflict may give way; the other goals must still hold after it.
    Goals fewer = goals;
    fewer.loss_tolerance = *pinned_probes - 1;
    Pins more = pins;
    *(more[index_of(Key::probes)]) = b.loss_tolerance + 1;
    const std::pair<std::string, Derivation> alternatives[] = {
        {fmt::format("--loss-tolerance {}", *fewer.loss_tolerance), derive(fewer, pins)},
        {fmt::format("--probes {}", b.loss_tolerance + 1), derive(goals, more)}};
    for (const auto& [change, derivation] : alternatives) {
      const auto* still = std::get_if<Infeasible>(&derivation);
      out.nearest.push_back(still == nullptr || still->nearest.empty()
                                ? change
                                : fmt::format("{} and {}", change, still->nearest.front()));
    }
    return out;
  }
  // Keepalive cannot help with a middlebox that does not count probes as traffic.
  for (const IdleTimeout& idle : goals.idle_timeouts) {
    if (!idle.keepalive_resets()) {
      const Preset& preset = *idle.preset->preset;
      return Infeasible{
          fmt::format("keepalive probes do not reset the idle timer of {} ({}): they carry no "
                      "data, so no keepalive value keeps an idle connection through it; the "
                      "application must send data (e.g. an HTTP keep-alive request) at least "
                      "every {} s{}",
                      preset.name, preset.middlebox, idle.seconds,
                      preset.configurable ? fmt::format(", or raise its idle timeout (up to {} s)",
                                                        preset.configurable->max)
                                          : ""),
          {fmt::format("the same goals without --idle-timeout {}", idle.text)}};
    }
    b.idle = std::min(b.idle.value_or(idle.seconds), idle.seconds);
  }
  b.intvl = pinned_intvl.value_or(1);
  b.probes = pinned_probes.value_or(b.loss_tolerance + 1);

  const std::int64_t api_max = api_range(Key::time).max;
  std::int64_t time = api_max;
  if (b.idle) {
    b.time_idle = max_nominal_before(*b.idle) - b.loss_tolerance * b.intvl;
    time = std::min(time, *b.time_idle);
  }
  if (goals.detect_within) {
    b.time_detect = max_nominal_within(*goals.detect_within) - b.probes * b.intvl;
    time = std::min(time, *b.time_detect);
  }
  const std::int64_t time_needed = pinned_time.value_or(1);
  const bool idle_fails = b.time_idle && time_needed > *b.time_idle;
  const bool detect_fails = b.time_detect && time_needed > *b.time_detect;
  if (idle_fails || detect_fails) {
    Infeasible out;
    std::vector<std::string> raise;
    std::optional<std::int64_t> lower;
    bool lower_blocked = false;
    if (idle_fails) {
      explain_idle_failure(b, time_needed, out, raise, lower);
      lower_blocked = lower_blocked || !lower || b.loss_tolerance == 0;
    }
    if (detect_fails) {
      explain_detect_failure(goals, pins, b, time_needed, out, raise, lower, lower_blocked);
    }
    out.nearest.push_back(fmt::format("{}", fmt::join(raise, " and ")));
    if (!lower_blocked && lower && *lower >= 0 && *lower < b.loss_tolerance) {
      out.nearest.push_back(fmt::format("--loss-tolerance {}", *lower));
    }
    // A given time that is too long: the longest that meets the goals as they are.
    if (pinned_time && time >= 1) {
      out.nearest.push_back(fmt::format("--time {}", time));
    }
    return out;
  }

  Plan plan;
  plan.settings[Key::time] = pinned_time.value_or(time);
  plan.settings[Key::intvl] = b.intvl;
  plan.settings[Key::probes] = b.probes;
  for (Key key : all_keys) {
    plan.given[index_of(key)] = pins[index_of(key)].has_value();
  }
  plan.loss_tolerance = b.loss_tolerance;
  plan.loss_tolerance_defaulted = !goals.loss_tolerance;
  plan.detect_seconds = detect_seconds(plan.settings);
  plan.detect_latest_ms = latest_ms(plan.detect_seconds);

  const std::int64_t t = plan.settings[Key::time];
  const std::int64_t n = b.loss_tolerance;
  bool idle_bound_marked = false;
  for (const IdleTimeout& idle : goals.idle_timeouts) {
    const std::int64_t nominal = t + n * b.intvl;
    GoalCheck check{GoalKind::idle_timeout,
                    idle_label(idle),
                    idle.preset ? std::optional<std::string>(idle.text) : std::nullopt,
                    probe_sum(n),
                    idle.seconds * 1000,
                    latest_ms(nominal),
                    0,
                    false,
                    ""};
    check.margin_ms = check.limit_ms - check.worst_ms;
    check.binding = !plan.given[index_of(Key::time)] && !idle_bound_marked &&
                    idle.seconds == *b.idle && t == *b.time_idle;
    idle_bound_marked = idle_bound_marked || check.binding;
    check.explanation =
        n == 0 ? fmt::format("the first probe leaves at the latest {} after the last packet "
                             "(9/8 \u00d7 {} s + 0.5 s), {} before the flow is forgotten",
                             ms_as_seconds(check.worst_ms), t, ms_as_seconds(check.margin_ms))
               : fmt::format("after {} the next probe leaves at the latest {} after the last "
                             "packet (9/8 \u00d7 ({} + {} \u00d7 {}) s + 0.5 s), {} before the "
                             "flow is forgotten",
                             lost_text(n), ms_as_seconds(check.worst_ms), t, n, b.intvl,
                             ms_as_seconds(check.margin_ms));
    plan.checks.push_back(std::move(check));
  }
  if (goals.detect_within) {
    GoalCheck check{GoalKind::detect_within,
                    fmt::format("detect within {} s", *goals.detect_within),
                    std::nullopt,
                    "time + probes \u00d7 intvl",
                    *goals.detect_within * 1000,
                    plan.detect_latest_ms,
                    0,
                    !plan.given[index_of(Key::time)] && t == *b.time_detect,
                    ""};
    check.margin_ms = check.limit_ms - check.worst_ms;
    check.explanation = fmt::format(
        "a dead peer is declared dead at the latest {} after the last packet (9/8 \u00d7 ({} + "
        "{} \u00d7 {}) s + 0.5 s), {} within the goal",
        ms_as_seconds(check.worst_ms), t, b.probes, b.intvl, ms_as_seconds(check.margin_ms));
    plan.checks.push_back(std::move(check));
  }
  {
    GoalCheck check{GoalKind::loss_tolerance,
                    fmt::format("survive {}{}", lost_text(n),
                                plan.loss_tolerance_defaulted ? " (default)" : ""),
                    std::nullopt,
                    "probes",
                    n + 1,
                    b.probes,
                    b.probes - (n + 1),
                    false,
                    ""};
    check.explanation = fmt::format("{} probes: a healthy connection survives {} in a row; {} "
                                    "unanswered ones declare the peer dead",
                                    b.probes, lost_text(b.probes - 1), b.probes);
    plan.checks.push_back(std::move(check));
  }

  if (plan.given[index_of(Key::time)]) {
    plan.preference = fmt::format("time {} s as given; a healthy idle connection sends one probe "
                                  "every {} s (an answered probe re-arms time, not intvl)",
                                  t, t);
  } else {
    plan.preference = fmt::format(
        "time {} s is the largest that meets every goal{}: a healthy idle connection sends one "
        "probe every {} s (an answered probe re-arms time, not intvl), about {} a day, the "
        "fewest possible; intvl and probes are the smallest the goals allow, so a dead peer is "
        "found soonest",
        t, t == api_max ? " (the socket API's maximum)" : "", t, (86400 + t - 1) / t);
  }
  return plan;
}

} // namespace kaltune
