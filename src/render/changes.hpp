#pragma once

#include "core/runtime.hpp"
#include "render/style.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kaltune {

// What `set` did (or, with --dry-run, would do) to the running kernel.
struct ChangeReport {
  Settings before;
  Settings after;
  std::vector<Change> changes;
  bool dry_run = false;
};

// "net.ipv4.tcp_keepalive_time: 7200 → 5" per change, the detection time before and after; or
// a line saying nothing needed to change.
std::string render_changes(const ChangeReport& report, const Style& style);
nlohmann::ordered_json to_json(const ChangeReport& report);

} // namespace kaltune
