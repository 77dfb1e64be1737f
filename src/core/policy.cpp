#include "core/policy.hpp"

#include "core/plan.hpp"

#include <fmt/format.h>

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

std::vector<Finding> evaluate(const Settings& settings, const Policy& policy) {
  std::vector<Finding> out;
  for (const Warning& warning : assess(settings)) {
    out.push_back({Severity::warning, warning.message});
  }
  const std::int64_t detect = detect_seconds(settings);
  if (policy.max_detect && detect > *policy.max_detect) {
    out.push_back({Severity::critical,
                   fmt::format("a dead peer is detected after {} s (time + intvl x probes = {} + "
                               "{} x {}), more than the maximum of {} s",
                               detect, settings[Key::time], settings[Key::intvl],
                               settings[Key::probes], *policy.max_detect)});
  }
  // After an answered probe the connection is idle again and the next probe waits `time`, so
  // only `time` has to keep the flow alive; the timer may fire late by 1/8 + 0.5 s (plan's rule).
  if (policy.idle_timeout && latest_ms(settings[Key::time]) >= *policy.idle_timeout * 1000) {
    out.push_back({Severity::critical,
                   fmt::format("the first probe may go out as late as {} after the last packet "
                               "(9/8 x {} s + 0.5 s), not before the {} s idle timeout: the "
                               "middlebox may drop the flow first",
                               ms_as_seconds(latest_ms(settings[Key::time])), settings[Key::time],
                               *policy.idle_timeout)});
  }
  for (const std::string& middlebox : policy.keepalive_ignored) {
    out.push_back({Severity::warning,
                   fmt::format("{} ignores keepalive probes (they carry no data): no keepalive "
                               "value keeps an idle connection through it; the application must "
                               "send data",
                               middlebox)});
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

std::vector<Finding> persisted_findings(const Settings& running, const SourcedSettings& boot) {
  std::vector<Finding> out;
  for (Key key : all_keys) {
    if (running[key] != boot[key].value) {
      out.push_back(Finding{Severity::critical,
                            fmt::format("{} is {} now, but boot applies {} ({})", sysctl_name(key),
                                        running[key], boot[key].value, boot[key].origin)});
    }
  }
  return out;
}

} // namespace kaltune
