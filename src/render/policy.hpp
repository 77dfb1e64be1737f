#pragma once

#include "core/policy.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// What `check` found about a set of values.
struct CheckReport {
  Settings settings;
  std::vector<Finding> findings;
  Policy policy;
  // With --max-uncovered: the established connections without keepalive that were counted.
  std::optional<std::size_t> uncovered = std::nullopt;
};

// "OK: …" or one "CRITICAL: …"/"WARNING: …" line per finding.
std::string render_check(const CheckReport& report, const Style& style);
// The monitoring-plugin statuses, as exit codes.
enum class PluginStatus { ok = 0, warning = 1, critical = 2, unknown = 3 };
PluginStatus plugin_status(Severity severity);
// The one monitoring-plugin line: "KALTUNE OK - text | perfdata\n", escaped (base/text
// printable) so that it stays one line whatever names the text holds.
std::string nagios_line(PluginStatus status, std::string_view text, std::string_view perfdata);
// check's line: "KALTUNE OK - dead peer detected after … | detect=…s;;… time=…s …".
std::string render_nagios(const CheckReport& report);
nlohmann::ordered_json to_json(const CheckReport& report);
// The same as indented text with a final newline: what `--json` prints.
std::string render_json(const CheckReport& report);

} // namespace kaltune
