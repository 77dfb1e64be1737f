#pragma once

#include "core/runtime.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// What `set` did (or, with --dry-run, would do) to the running kernel.
struct ChangeReport {
  Settings before;
  Settings after;
  std::vector<Change> changes;
  bool dry_run = false;
};

// The last line of every --dry-run report.
inline constexpr std::string_view dry_run_line = "dry run: nothing was written\n";

// "net.ipv4.tcp_keepalive_time: 7200 → 5" per change, the detection time before and after; or
// a line saying nothing needed to change. Without the dry-run line: for reports that end with
// their own (persist).
std::string render_change_lines(const ChangeReport& report, const Style& style);
// render_change_lines, then dry_run_line with --dry-run: `set`'s whole report.
std::string render_changes(const ChangeReport& report, const Style& style);
nlohmann::ordered_json to_json(const ChangeReport& report);
// The same as indented text with a final newline: what `--json` prints.
std::string render_json(const ChangeReport& report);

} // namespace kaltune
