#include "core/policy.hpp"

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
  // only `time` has to stay below the middlebox's idle timeout to keep the flow alive.
  if (policy.idle_timeout && settings[Key::time] >= *policy.idle_timeout) {
    out.push_back({Severity::critical,
                   fmt::format("the first probe goes out after {} s of idleness, not before the "
                               "{} s idle timeout: the middlebox drops the flow first",
                               settings[Key::time], *policy.idle_timeout)});
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
