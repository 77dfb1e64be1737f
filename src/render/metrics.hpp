#pragma once

// Prometheus text exposition format 0.0.4 for the node exporter's textfile collector: the one
// writer of every metric kaltune prints (show, sockets, check). Each family has HELP and TYPE,
// names are in base units (seconds), label values are escaped and valid UTF-8, and no sample
// carries a timestamp (the collector stamps them at scrape time).

#include "base/keepalive.hpp"
#include "base/source.hpp"
#include "core/enforce.hpp"
#include "core/policy.hpp"
#include "core/sockets.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kaltune {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

struct MetricSample {
  MetricLabels labels;
  std::int64_t value = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  std::string type = "gauge";
  std::vector<MetricSample> samples;
};

// The exposition text of `families`, in order; a family without samples is left out.
std::string render_metrics(const std::vector<MetricFamily>& families);

// A label value as the format wants it: `\` `"` and newline escaped, bytes that are not UTF-8
// replaced by U+FFFD (a path from a config file is bytes).
std::string escape_label_value(std::string_view value);

// The values of each source (running, boot, ...), one sample per source in every family, and
// the origin of each value; with `netns` a label on every sample.
std::vector<MetricFamily> settings_metrics(const std::vector<SourcedSettings>& sources,
                                           const std::optional<std::string>& netns);

// The values of one set of settings without a source label: a family per key and the detection
// time (the families --all-netns labels per namespace).
std::vector<MetricFamily> value_metrics(const Settings& settings);

// 1 per key whose running value differs from what boot applies, else 0.
MetricFamily drift_metric(const SourcedSettings& running, const SourcedSettings& boot,
                          const std::optional<std::string>& netns);

// The coverage counts of `sockets` (over established connections).
std::vector<MetricFamily> socket_metrics(const SocketSummary& summary, bool enforcements_known,
                                         const std::optional<std::string>& netns);

// The result of `check`: status (0 ok, 1 warning, 2 critical, as the monitoring-plugin codes),
// the findings per severity, and the policy's limits that were given.
std::vector<MetricFamily> check_metrics(const std::vector<Finding>& findings, const Policy& policy,
                                        const std::optional<std::string>& netns);

// `enforce --list`: per cgroup whether kaltune's program acts, whether it is persisted and agrees,
// its values, since when, and the program's own counters of connections.
std::vector<MetricFamily> enforce_metrics(const std::vector<EnforceListEntry>& rows);

} // namespace kaltune
