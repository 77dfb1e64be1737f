#pragma once

#include "core/policy.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace kaltune {

// What `check` found about a set of values.
struct CheckReport {
  Settings settings;
  std::vector<Finding> findings;
  Policy policy;
};

// "OK: …" or one "CRITICAL: …"/"WARNING: …" line per finding.
std::string render_check(const CheckReport& report, const Style& style);
// One monitoring-plugin line: "KALTUNE OK - … | perfdata".
std::string render_nagios(const CheckReport& report);
nlohmann::ordered_json to_json(const CheckReport& report);
// The same as indented text with a final newline: what `--json` prints.
std::string render_json(const CheckReport& report);

} // namespace kaltune
