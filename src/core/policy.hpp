#pragma once

#include "base/keepalive.hpp"
#include "base/source.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kaltune {

// What `check` holds the values to.
struct Policy {
  std::optional<std::int64_t> max_detect;   // dead-peer detection must not take longer
  std::optional<std::int64_t> idle_timeout; // a middlebox drops flows idle this long
  // Middleboxes on the path whose idle timer keepalive probes do not reset ("aws-alb (AWS
  // Application Load Balancer), 60 s"): a warning each, since no value can help.
  std::vector<std::string> keepalive_ignored = {};
};

enum class Severity { ok, warning, critical };
std::string_view to_string(Severity severity);

struct Finding {
  Severity severity;
  std::string message;
};

// Everything the settings violate: values outside the socket API and middleboxes that ignore
// keepalive (warning), detection slower than max_detect or a first probe that may leave after
// the idle timeout, counting the timer's lateness as plan does (critical).
std::vector<Finding> evaluate(const Settings& settings, const Policy& policy);
// `check --persisted`: every key whose running value is not what boot applies (critical: a
// reboot would change it), naming both values and the boot value's origin.
std::vector<Finding> persisted_findings(const Settings& running, const SourcedSettings& boot);

// The worst severity among the findings (ok when there are none).
Severity worst(const std::vector<Finding>& findings);

} // namespace kaltune
