#include "render/plan_text.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace kaltune {

namespace {
std::string lost_text(std::int64_t k) {
  return k == 1 ? "1 lost probe" : fmt::format("{} lost probes", k);
}

// "time + 2 × intvl" for probe number k (0: the first).
std::string probe_sum(std::int64_t k) {
  return k == 0 ? std::string("time") : fmt::format("time + {} \u00d7 intvl", k);
}

std::string seconds(std::int64_t ms) {
  return ms_as_seconds(ms);
}

std::string rto_span(const Plan& plan) {
  return fmt::format("RTOs of {}\u20131 s", seconds(plan.busy.earliest_ms - plan.busy.limit.ms));
}

std::string half_text(const GoalCheck& check) {
  return check.half == Half::idle ? "idle" : "busy";
}

std::string defaulted(bool is_default, const std::string& half) {
  if (is_default) {
    return half.empty() ? " (default)" : fmt::format(" (default, {})", half);
  }
  return half.empty() ? "" : fmt::format(" ({})", half);
}

std::string what_is_survived(std::int64_t tolerance, std::int64_t outage) {
  if (outage == 0) {
    return lost_text(tolerance);
  }
  return fmt::format("{} and an outage of {} s", lost_text(tolerance), outage);
}
} // namespace

std::string goal_text(const GoalCheck& check, const Plan& plan) {
  switch (check.kind) {
  case GoalKind::idle_timeout: {
    const IdleTimeout& idle = *check.idle;
    if (!idle.preset) {
      return fmt::format("idle timeout {} s", idle.seconds);
    }
    return fmt::format("idle timeout {} s ({}, {})", idle.seconds, idle.text,
                       idle.preset->preset->middlebox);
  }
  case GoalKind::detect_within:
    return fmt::format("detect within {} s ({})", check.goal_ms / 1000, half_text(check));
  case GoalKind::survive_outage:
    return fmt::format("survive an outage of {} s{}", check.goal_ms / 1000,
                       defaulted(plan.survive_outage_defaulted, half_text(check)));
  case GoalKind::loss_tolerance:
    return fmt::format("survive {}{}", lost_text(check.goal_ms - 1),
                       defaulted(plan.loss_tolerance_defaulted, ""));
  }
  return "";
}

std::string bound_text(const GoalCheck& check) {
  switch (check.kind) {
  case GoalKind::idle_timeout:
    return probe_sum(check.lost_probes);
  case GoalKind::detect_within:
    return check.half == Half::idle ? "time + probes \u00d7 intvl" : "tcp_retries2";
  case GoalKind::survive_outage:
    return check.half == Half::idle ? "(probes \u2212 1) \u00d7 intvl" : "tcp_retries2";
  case GoalKind::loss_tolerance:
    return "probes";
  }
  return "";
}

std::string margin_text(const GoalCheck& check) {
  if (check.kind == GoalKind::loss_tolerance) {
    return check.margin_ms == 0 ? "no spare probe"
                                : fmt::format("{} spare probes", check.margin_ms);
  }
  return fmt::format("margin {}", seconds(check.margin_ms));
}

std::string explanation_text(const GoalCheck& check, const Plan& plan) {
  const std::int64_t t = plan.settings[Key::time];
  const std::int64_t i = plan.settings[Key::intvl];
  const std::int64_t p = plan.settings[Key::probes];
  switch (check.kind) {
  case GoalKind::idle_timeout:
    if (check.lost_probes == 0) {
      return fmt::format("the first probe leaves at the latest {} after the last packet (9/8 "
                         "\u00d7 {} s + 0.5 s), {} before the flow is forgotten",
                         seconds(check.reached_ms), t, seconds(check.margin_ms));
    }
    return fmt::format("after {} the next probe leaves at the latest {} after the last packet "
                       "(9/8 \u00d7 ({} + {} \u00d7 {}) s + 0.5 s), {} before the flow is "
                       "forgotten",
                       lost_text(check.lost_probes), seconds(check.reached_ms), t,
                       check.lost_probes, i, seconds(check.margin_ms));
  case GoalKind::detect_within:
    if (check.half == Half::idle) {
      return fmt::format("an idle connection's dead peer is declared dead at the latest {} after "
                         "the last packet (9/8 \u00d7 ({} + {} \u00d7 {}) s + 0.5 s), {} within "
                         "the goal",
                         seconds(check.reached_ms), t, p, i, seconds(check.margin_ms));
    }
    return fmt::format("with data in flight the connection is given up at the latest {} after "
                       "the last send (tcp_retries2 {}: {} after the first retransmission, then "
                       "up to one backoff, for {}, with the timer's lateness), {} within the goal",
                       seconds(check.reached_ms), plan.settings[Key::retries2],
                       seconds(plan.busy.limit.ms), rto_span(plan), seconds(check.margin_ms));
  case GoalKind::survive_outage:
    if (check.half == Half::idle) {
      return fmt::format("an outage of {} s takes at most {}; {} probes {} s apart span {} before "
                         "the peer is declared dead{}, {} more than the goal",
                         check.goal_ms / 1000, lost_text(check.lost_probes), p, i,
                         seconds(check.reached_ms),
                         plan.checks.front().kind == GoalKind::idle_timeout
                             ? " and the probe after the outage leaves before the idle timeout"
                             : "",
                         seconds(check.margin_ms));
    }
    return fmt::format("with data in flight the last retransmission comes no sooner than {} after "
                       "the send (tcp_retries2 {}, {}), so a shorter outage is survived, {} more "
                       "than the goal",
                       seconds(check.reached_ms), plan.settings[Key::retries2], rto_span(plan),
                       seconds(check.margin_ms));
  case GoalKind::loss_tolerance:
    return fmt::format("{} probes: a healthy connection survives {} in a row; {} unanswered ones "
                       "declare the peer dead",
                       p, lost_text(p - 1), p);
  }
  return "";
}

namespace {
std::string intvl_reason(const Plan& plan) {
  const std::int64_t i = plan.settings[Key::intvl];
  if (plan.given[index_of(Key::intvl)]) {
    return fmt::format("intvl {} s as given", i);
  }
  if (plan.time_at_least_intvl) {
    return fmt::format("intvl {} s is the longest the goals allow with time \u2265 intvl (a "
                       "healthy connection is never probed more often than a silent one): the "
                       "largest margin on the outage, as a blip takes the fewest probes and the "
                       "probes span the longest outage",
                       i);
  }
  return fmt::format("intvl {} s is the longest the goals allow (none of them leaves time "
                     "\u2265 intvl)",
                     i);
}

std::string probes_reason(const Plan& plan) {
  const std::int64_t p = plan.settings[Key::probes];
  if (plan.given[index_of(Key::probes)]) {
    return fmt::format("probes {} as given", p);
  }
  return fmt::format("{} probes are the fewest that survive {}", p,
                     what_is_survived(plan.loss_tolerance, plan.survive_outage));
}

std::string time_reason(const Plan& plan) {
  const std::int64_t t = plan.settings[Key::time];
  if (plan.given[index_of(Key::time)]) {
    return fmt::format("time {} s as given; a healthy idle connection sends one probe every {} s "
                       "(an answered probe re-arms time, not intvl)",
                       t, t);
  }
  return fmt::format("time {} s is the largest left{}{}: a healthy idle connection sends one "
                     "probe every {} s (an answered probe re-arms time, not intvl)",
                     t, t == api_range(Key::time).max ? " (the socket API's maximum)" : "",
                     plan.default_detection_kept
                         ? fmt::format(" with a dead peer still found within the kernel's own "
                                       "{} s (no --detect-within)",
                                       detect_seconds(kernel_defaults))
                         : "",
                     t);
}

std::string retries2_reason(const Plan& plan) {
  switch (plan.retries2_choice) {
  case Retries2Choice::given:
    return fmt::format("tcp_retries2 {} as given", plan.settings[Key::retries2]);
  case Retries2Choice::within_detection:
    return fmt::format(
        "tcp_retries2 {} is the largest whose worst case meets the detection, so "
        "busy connections survive the longest outage it allows{}",
        plan.settings[Key::retries2],
        plan.settings[Key::retries2] < 8 ? " (below 8, RFC 1122's 100 s minimum for R2)" : "");
  case Retries2Choice::kept:
    return fmt::format("tcp_retries2 {} is this namespace's own: it survives the outage, and no "
                       "detection goal asks for less",
                       plan.settings[Key::retries2]);
  case Retries2Choice::raised:
    return fmt::format("tcp_retries2 {} is the smallest that survives the outage (this "
                       "namespace's own does not)",
                       plan.settings[Key::retries2]);
  }
  return "";
}
} // namespace

std::string preference_text(const Plan& plan) {
  return fmt::format("{}; {}; {}; {}", intvl_reason(plan), probes_reason(plan), time_reason(plan),
                     retries2_reason(plan));
}

std::string busy_half_text(const BusyRange& busy, std::int64_t retries2) {
  return fmt::format("with data in flight keepalive does nothing: tcp_retries2 {} gives the "
                     "connection up {} after its first retransmission (tcp_model_timeout), that "
                     "is {} to {} after the last send (at the latest {} with the timer's "
                     "lateness) for RTOs of {}\u20131 s; an outage shorter than {} is survived",
                     retries2, seconds(busy.limit.ms), seconds(busy.earliest_ms),
                     seconds(busy.worst_ms), seconds(busy.latest_ms),
                     seconds(busy.earliest_ms - busy.limit.ms), seconds(busy.survives_ms));
}

std::string busy_text(const Plan& plan) {
  return busy_half_text(plan.busy, plan.settings[Key::retries2]);
}

std::string user_timeout_text(const Plan& plan) {
  if (plan.user_timeout_ms) {
    return fmt::format("a TCP_USER_TIMEOUT of {} ms (a program's setsockopt, or enforce "
                       "--user-timeout {}s) meets the detection and the outage for busy "
                       "connections; it also ends a probed idle connection once that long has "
                       "passed since the peer was last heard, which comes after the probe that "
                       "follows the lost ones",
                       *plan.user_timeout_ms, *plan.user_timeout_ms / 1000);
  }
  const bool detection = std::any_of(plan.checks.begin(), plan.checks.end(), [](const auto& c) {
    return c.kind == GoalKind::detect_within;
  });
  if (!detection) {
    return "";
  }
  return "no TCP_USER_TIMEOUT meets the detection and the outage without ending probed idle "
         "connections before the probe that follows the lost ones";
}

std::string alternative_text(const Alternative& alternative) {
  std::vector<std::string> parts;
  for (const GoalChange& change : alternative) {
    switch (change.what) {
    case Adjust::idle_timeout:
      parts.push_back(fmt::format("--idle-timeout {}s", change.value));
      break;
    case Adjust::drop_idle_timeout:
      parts.push_back(fmt::format("the same goals without --idle-timeout {}", change.idle->text));
      break;
    case Adjust::detect_within:
      parts.push_back(fmt::format("--detect-within {}s", change.value));
      break;
    case Adjust::survive_outage:
      parts.push_back(fmt::format("--survive-outage {}s", change.value));
      break;
    case Adjust::loss_tolerance:
      parts.push_back(fmt::format("--loss-tolerance {}", change.value));
      break;
    case Adjust::time:
      parts.push_back(fmt::format("--time {}", change.value));
      break;
    case Adjust::intvl:
      parts.push_back(fmt::format("--intvl {}", change.value));
      break;
    case Adjust::probes:
      parts.push_back(fmt::format("--probes {}", change.value));
      break;
    case Adjust::retries2:
      parts.push_back(fmt::format("--retries2 {}", change.value));
      break;
    }
  }
  return fmt::format("{}", fmt::join(parts, " and "));
}

namespace {
std::string ignored_reason(const IdleTimeout& idle) {
  const Preset& preset = *idle.preset->preset;
  return fmt::format("keepalive probes do not reset the idle timer of {} ({}): they carry no "
                     "data, so no keepalive value keeps an idle connection through it; the "
                     "application must send data (e.g. an HTTP keep-alive request) at least "
                     "every {} s{}",
                     preset.name, preset.middlebox, idle.seconds,
                     preset.configurable ? fmt::format(", or raise its idle timeout (up to {} s)",
                                                       preset.configurable->max)
                                         : "");
}

std::string shortfall_reason(const Infeasible& out, const Shortfall& shortfall) {
  const std::string survive = what_is_survived(out.loss_tolerance, out.survive_outage);
  if (shortfall.kind == GoalKind::idle_timeout) {
    return fmt::format("the idle timeout of {} s is too short to survive {}: even with the most "
                       "favourable values the probe after {} leaves as late as {} after the "
                       "last packet",
                       shortfall.goal_ms / 1000, survive, lost_text(shortfall.lost_probes),
                       seconds(shortfall.best_ms));
  }
  return fmt::format("--detect-within {} s is too short for a healthy connection to survive {}: "
                     "a dead peer is declared dead {} after the last packet at the soonest",
                     shortfall.goal_ms / 1000, survive, seconds(shortfall.best_ms));
}

std::string busy_reason(const BusyShortfall& busy) {
  std::vector<std::string> parts;
  if (busy.within_detection) {
    parts.push_back(fmt::format("tcp_retries2 {} gives a busy connection up by {} but survives "
                                "an outage of only {}",
                                *busy.within_detection,
                                busy.detect_ms > 0 ? seconds(busy.detect_ms) : "then",
                                seconds(busy.within_survives_ms)));
  }
  if (busy.surviving && busy.surviving != busy.within_detection) {
    parts.push_back(fmt::format("tcp_retries2 {} survives {} but may take until {}",
                                *busy.surviving, seconds(busy.outage_ms),
                                seconds(busy.surviving_latest_ms)));
  }
  if (busy.user_timeout_ms) {
    parts.push_back(fmt::format("a TCP_USER_TIMEOUT of {} ms would (a program's setsockopt, or "
                                "enforce --user-timeout {}s)",
                                *busy.user_timeout_ms, *busy.user_timeout_ms / 1000));
  }
  return fmt::format(
      "with data in flight no tcp_retries2 meets {}an outage of {} (each value "
      "about doubles the time, and RTOs go up to 1 s): {}",
      busy.detect_ms > 0 ? fmt::format("--detect-within {} and ", seconds(busy.detect_ms)) : "",
      seconds(busy.outage_ms), fmt::join(parts, "; "));
}
} // namespace

std::string infeasible_text(const Infeasible& infeasible) {
  std::string reason;
  switch (infeasible.conflict) {
  case Conflict::keepalive_ignored:
    reason = ignored_reason(*infeasible.ignoring);
    break;
  case Conflict::probes_below_tolerance:
    reason =
        fmt::format("--probes {} survives only {}, fewer than the loss tolerance of {}",
                    infeasible.probes, lost_text(infeasible.probes - 1), infeasible.loss_tolerance);
    break;
  case Conflict::idle_half: {
    std::vector<std::string> parts;
    for (const Shortfall& shortfall : infeasible.shortfalls) {
      parts.push_back(shortfall_reason(infeasible, shortfall));
    }
    reason = parts.empty() ? std::string("no time, intvl and probes meet these goals together")
                           : fmt::format("{}", fmt::join(parts, "; "));
    break;
  }
  case Conflict::busy_half:
    reason = busy_reason(*infeasible.busy);
    break;
  }
  std::vector<std::string> nearest;
  for (const Alternative& alternative : infeasible.nearest) {
    nearest.push_back(alternative_text(alternative));
  }
  if (nearest.empty()) {
    return fmt::format("the goals cannot all be met: {}", reason);
  }
  return fmt::format("the goals cannot all be met: {}; nearest goals that can: {}", reason,
                     fmt::join(nearest, ", or "));
}

} // namespace kaltune
