#include "render/changes.hpp"

#include "render/duration.hpp"

#include <fmt/format.h>

namespace kaltune {

std::string render_changes(const ChangeReport& report, const Style& style) {
  if (report.changes.empty()) {
    return fmt::format("running: nothing to change; already time {} intvl {} probes {}\n",
                       report.after[Key::time], report.after[Key::intvl],
                       report.after[Key::probes]);
  }
  std::string out;
  const std::string prefix = report.dry_run ? "would set " : "set ";
  for (const Change& change : report.changes) {
    out += fmt::format("{}{}: {} \u2192 {}\n", prefix, sysctl_name(change.key), change.from,
                       style.bold(fmt::format("{}", change.to)));
  }
  out += fmt::format("dead peer detected after: {} \u2192 {}\n",
                     seconds_with_human(detect_seconds(report.before)),
                     style.bold(seconds_with_human(detect_seconds(report.after))));
  if (report.dry_run) {
    out += "dry run: nothing was written\n";
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
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (Key key : all_keys) {
    settings[std::string(sysctl_name(key))] = {{"value", report.after[key]}, {"origin", "running"}};
  }
  out["settings"] = std::move(settings);
  out["detect_seconds"] = detect_seconds(report.after);
  return out;
}

} // namespace kaltune
