#pragma once

#include "base/keepalive.hpp"
#include "base/source.hpp"
#include "core/busy.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kaltune {

// What `check` holds the values to.
struct Policy {
  std::optional<std::int64_t> max_detect;   // dead-peer detection must not take longer
  std::optional<std::int64_t> idle_timeout; // a middlebox drops flows idle this long
  std::optional<std::int64_t> survive_outage = std::nullopt; // healthy connections survive it (s)
  // Middleboxes on the path whose idle timer keepalive probes do not reset ("aws-alb (AWS
  // Application Load Balancer), 60 s"): a warning each, since no value can help.
  std::vector<std::string> keepalive_ignored = {};
  // At most this many established connections without keepalive (check --max-uncovered).
  std::optional<std::int64_t> max_uncovered = std::nullopt;
};

enum class Severity { ok, warning, critical };
std::string_view to_string(Severity severity);

// What a finding is about, for tests and tools that decide on data.
enum class FindingKind {
  outside_api,         // a value the socket API would refuse
  idle_detect,         // idle: time + intvl x probes beyond max_detect
  busy_detect,         // busy: tcp_retries2's latest give-up beyond max_detect
  idle_timeout,        // the first probe may leave after the idle timeout
  outage_idle_timeout, // after the outage, the next probe may leave after the idle timeout
  idle_outage,         // idle: the probes span less than the outage
  busy_outage,         // busy: the last retransmission may come before the outage ends
  keepalive_ignored,   // a middlebox that ignores probes
  persisted,           // check --persisted: boot would change a key
  uncovered,           // more established connections without keepalive than max_uncovered
};

struct Finding {
  Severity severity;
  std::string message;
  FindingKind kind = FindingKind::outside_api;
};

// Everything the settings violate: values outside the socket API and middleboxes that ignore
// keepalive (warning), detection slower than max_detect (the idle half's, and with `busy` the
// busy half's latest give-up, core/busy), a first probe that may leave after the idle timeout
// (counting the timer's lateness as plan does), and an outage the connection would not survive
// (critical). Without `busy` (its inputs unknown) the busy half is not judged.
std::vector<Finding> evaluate(const Settings& settings, const Policy& policy,
                              const std::optional<BusyInputs>& busy = std::nullopt);
// `check --persisted`: every key whose running value is not what boot applies (critical: a
// reboot would change it), naming both values and the boot value's origin.
std::vector<Finding> persisted_findings(const Settings& running, const SourcedSettings& boot);

// `check --max-uncovered`: critical when more than `policy.max_uncovered` established connections
// have no keepalive (`no_keepalive`, from sockets' counts); none without the limit.
std::optional<Finding> uncovered_finding(std::size_t no_keepalive, const Policy& policy);

// The worst severity among the findings (ok when there are none).
Severity worst(const std::vector<Finding>& findings);

} // namespace kaltune
