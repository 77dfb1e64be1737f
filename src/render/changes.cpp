#include "render/changes.hpp"

#include "render/duration.hpp"
#include "render/json.hpp"
#include "render/settings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kaltune {

std::string render_change_lines(const ChangeReport& report, const Style& style) {
  if (report.changes.empty()) {
    return fmt::format(
        "running: nothing to change; already time {} intvl {} probes {} tcp_retries2 {}\n",
        report.after[Key::time], report.after[Key::intvl], report.after[Key::probes],
        report.after[Key::retries2]);
  }
  std::string out;
  const std::string prefix = report.dry_run ? "would set " : "set ";
  for (const Change& change : report.changes) {
    out += fmt::format("{}{}: {} \u2192 {}\n", prefix, sysctl_name(change.key), change.from,
                       style.bold(fmt::format("{}", change.to)));
  }
  bool idle = false;
  bool busy = false;
  for (const Change& change : report.changes) {
    (change.key == Key::retries2 ? busy : idle) = true;
  }
  if (idle) {
    out += fmt::format("dead peer detected after: {} \u2192 {}\n",
                       seconds_with_human(detect_seconds(report.before)),
                       style.bold(seconds_with_human(detect_seconds(report.after))));
  }
  if (busy) {
    // The kernel's default RTO bounds (core/busy): the namespace's own may differ (6.11+).
    const auto latest = [](const Settings& settings) {
      return seconds_with_human((busy_half(settings, BusyInputs{}).latest_ms + 999) / 1000);
    };
    out += fmt::format("busy connection to a dead peer given up by: {} \u2192 {} after the last "
                       "send, at the latest\n",
                       latest(report.before), style.bold(latest(report.after)));
  }
  return out;
}

std::string render_changes(const ChangeReport& report, const Style& style) {
  std::string out = render_change_lines(report, style);
  if (report.dry_run && !report.changes.empty()) { // nothing to change needs no dry-run note
    out += dry_run_line;
  }
  return out;
}

nlohmann::ordered_json to_json(const ChangeReport& report) {
  nlohmann::ordered_json out;
  out["dry_run"] = report.dry_run;
  out["changed"] = !report.changes.empty() && !report.dry_run;
  nlohmann::ordered_json changes = nlohmann::ordered_json::array();
  for (const Change& change : report.changes) {
    changes.push_back({{"key", sysctl_name(change.key)}, {"from", change.from}, {"to", change.to}});
  }
  out["changes"] = std::move(changes);
  out["settings"] = settings_json(sourced("running", report.after, "running"));
  out["detect_seconds"] = detect_seconds(report.after);
  return out;
}

std::string render_json(const ChangeReport& report) {
  return dump_json(to_json(report)) + "\n";
}

} // namespace kaltune
