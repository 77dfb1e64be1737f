#include "core/policy.hpp"

#include "base/text.hpp"
#include "core/plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace kaltune {

std::string_view to_string(Severity severity) {
  switch (severity) {
  case Severity::ok:
    return "ok";
  case Severity::warning:
    return "warning";
  case Severity::critical:
    return "critical";
  }
  return "unknown";
}

namespace {
// The busy half against max_detect and the outage.
void busy_findings(const BusyInputs& busy, const Policy& policy, std::vector<Finding>& out) {
  const BusyRange range = busy_range(retries2_limit(busy), busy);
  if (policy.max_detect && range.latest_ms > *policy.max_detect * 1000) {
    out.push_back({Severity::critical,
                   fmt::format("with data in flight a dead peer is given up at the latest {} after "
                               "the last send (tcp_retries2 {}: {} after the first "
                               "retransmission, then up to one backoff, for RTOs up to 1 s, with "
                               "the timer's lateness), more than the maximum of {} s",
                               ms_as_seconds(range.latest_ms), busy.retries2,
                               ms_as_seconds(range.limit.ms), *policy.max_detect),
                   FindingKind::busy_detect});
  }
  if (policy.survive_outage && range.survives_ms < *policy.survive_outage * 1000) {
    out.push_back(
        {Severity::critical,
         fmt::format("with data in flight the last retransmission may come {} after the "
                     "send (tcp_retries2 {}): an outage of {} s ends a healthy busy "
                     "connection",
                     ms_as_seconds(range.survives_ms), busy.retries2, *policy.survive_outage),
         FindingKind::busy_outage});
  }
}

// The idle half against the outage: the probes must span it, and the probe after it must still
// leave before the idle timeout.
void outage_findings(const Settings& settings, const Policy& policy, std::vector<Finding>& out) {
  if (!policy.survive_outage || *policy.survive_outage == 0 || settings[Key::intvl] <= 0) {
    return;
  }
  const std::int64_t outage = *policy.survive_outage;
  const std::int64_t intvl = settings[Key::intvl];
  const std::int64_t span = (settings[Key::probes] - 1) * intvl;
  if (span < outage) {
    out.push_back(
        {Severity::critical,
         fmt::format("{} probes {} s apart span {} s: an outage of {} s ends a healthy "
                     "idle connection",
                     settings[Key::probes], intvl, std::max<std::int64_t>(0, span), outage),
         FindingKind::idle_outage});
  }
  const std::int64_t lost = (outage + intvl - 1) / intvl;
  const std::int64_t after = latest_ms(settings[Key::time] + lost * intvl);
  if (policy.idle_timeout && after >= *policy.idle_timeout * 1000) {
    out.push_back({Severity::critical,
                   fmt::format("after an outage of {} s the next probe may go out as late as {} "
                               "after the last packet (9/8 x ({} + {} x {}) s + 0.5 s), not "
                               "before the {} s idle timeout: the middlebox may forget the flow",
                               outage, ms_as_seconds(after), settings[Key::time], lost, intvl,
                               *policy.idle_timeout),
                   FindingKind::outage_idle_timeout});
  }
}
} // namespace

std::vector<Finding> evaluate(const Settings& settings, const Policy& policy,
                              const std::optional<BusyInputs>& busy) {
  std::vector<Finding> out;
  for (const Warning& warning : assess(settings)) {
    out.push_back({Severity::warning, warning.message, FindingKind::outside_api});
  }
  const std::int64_t detect = detect_seconds(settings);
  if (policy.max_detect && detect > *policy.max_detect) {
    out.push_back({Severity::critical,
                   fmt::format("a dead peer is detected after {} s (time + intvl x probes = {} + "
                               "{} x {}), more than the maximum of {} s",
                               detect, settings[Key::time], settings[Key::intvl],
                               settings[Key::probes], *policy.max_detect),
                   FindingKind::idle_detect});
  }
  if (busy) {
    busy_findings(*busy, policy, out);
  }
  // After an answered probe the connection is idle again and the next probe waits `time`, so
  // only `time` has to keep the flow alive; the timer may fire late by 1/8 + 0.5 s (plan's rule).
  if (policy.idle_timeout && latest_ms(settings[Key::time]) >= *policy.idle_timeout * 1000) {
    out.push_back({Severity::critical,
                   fmt::format("the first probe may go out as late as {} after the last packet "
                               "(9/8 x {} s + 0.5 s), not before the {} s idle timeout: the "
                               "middlebox may drop the flow first",
                               ms_as_seconds(latest_ms(settings[Key::time])), settings[Key::time],
                               *policy.idle_timeout),
                   FindingKind::idle_timeout});
  }
  outage_findings(settings, policy, out);
  for (const std::string& middlebox : policy.keepalive_ignored) {
    out.push_back({Severity::warning,
                   fmt::format("{} ignores keepalive probes (they carry no data): no keepalive "
                               "value keeps an idle connection through it; the application must "
                               "send data",
                               middlebox),
                   FindingKind::keepalive_ignored});
  }
  return out;
}

Severity worst(const std::vector<Finding>& findings) {
  Severity out = Severity::ok;
  for (const Finding& finding : findings) {
    if (static_cast<int>(finding.severity) > static_cast<int>(out)) {
      out = finding.severity;
    }
  }
  return out;
}

std::optional<Finding> uncovered_finding(std::size_t no_keepalive, const Policy& policy) {
  if (!policy.max_uncovered || static_cast<std::int64_t>(no_keepalive) <= *policy.max_uncovered) {
    return std::nullopt;
  }
  return Finding{Severity::critical,
                 fmt::format("{} established connection{} without keepalive (at most {}): a dead "
                             "peer is never detected on {}; kaltune sockets lists them, kaltune "
                             "enforce gives their programs keepalive",
                             no_keepalive, no_keepalive == 1 ? "" : "s", *policy.max_uncovered,
                             no_keepalive == 1 ? "it" : "them"),
                 FindingKind::uncovered};
}

std::vector<Finding> persisted_findings(const Settings& running, const SourcedSettings& boot) {
  std::vector<Finding> out;
  for (Key key : all_keys) {
    if (running[key] != boot[key].value) {
      out.push_back(Finding{Severity::critical,
                            fmt::format("{} is {} now, but boot applies {} ({})", sysctl_name(key),
                                        running[key], boot[key].value, boot[key].origin),
                            FindingKind::persisted});
    }
  }
  return out;
}

} // namespace kaltune
