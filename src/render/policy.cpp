#include "render/policy.hpp"

#include "base/text.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace kaltune {

namespace {
std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return out;
}

std::string summary(const Settings& settings) {
  return fmt::format("dead peer detected after {}", seconds_with_human(detect_seconds(settings)));
}
} // namespace

std::string render_check(const CheckReport& report, const Style& style) {
  if (report.findings.empty()) {
    return fmt::format("{}: {}\n", style.good("OK"), summary(report.settings));
  }
  std::string out;
  for (const Finding& finding : report.findings) {
    const std::string label = upper(to_string(finding.severity));
    out += fmt::format(
        "{}: {}\n", finding.severity == Severity::critical ? style.bad(label) : style.warn(label),
        printable(finding.message));
  }
  return out;
}

PluginStatus plugin_status(Severity severity) {
  switch (severity) {
  case Severity::ok:
    return PluginStatus::ok;
  case Severity::warning:
    return PluginStatus::warning;
  case Severity::critical:
    return PluginStatus::critical;
  }
  return PluginStatus::unknown;
}

std::string nagios_line(PluginStatus status, std::string_view text, std::string_view perfdata) {
  static constexpr std::string_view names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
  // A `|` in the text would start the performance data early.
  std::string safe = printable(text);
  std::replace(safe.begin(), safe.end(), '|', '/');
  return fmt::format("KALTUNE {} - {}{}{}\n", names[static_cast<int>(status)], safe,
                     perfdata.empty() ? "" : " | ", printable(perfdata));
}

std::string render_nagios(const CheckReport& report) {
  const Severity severity = worst(report.findings);
  std::string text = summary(report.settings);
  for (const Finding& finding : report.findings) {
    text += "; " + finding.message;
  }
  // Performance data: 'label'=value[UOM];warn;crit — the max detection is the critical level.
  const std::string critical =
      report.policy.max_detect ? fmt::format("{}", *report.policy.max_detect) : "";
  std::string perfdata = fmt::format(
      "detect={}s;;{} time={}s intvl={}s probes={}", detect_seconds(report.settings), critical,
      report.settings[Key::time], report.settings[Key::intvl], report.settings[Key::probes]);
  if (report.uncovered && report.policy.max_uncovered) {
    perfdata += fmt::format(" uncovered={};;{}", *report.uncovered, *report.policy.max_uncovered);
  }
  return nagios_line(plugin_status(severity), text, perfdata);
}

nlohmann::ordered_json to_json(const CheckReport& report) {
  nlohmann::ordered_json out;
  out["status"] = to_string(worst(report.findings));
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Finding& finding : report.findings) {
    findings.push_back({{"severity", to_string(finding.severity)}, {"message", finding.message}});
  }
  out["findings"] = std::move(findings);
  out["settings"] = settings_json(sourced("running", report.settings, "running"));
  out["detect_seconds"] = detect_seconds(report.settings);
  out["max_detect_seconds"] =
      report.policy.max_detect ? nlohmann::ordered_json(*report.policy.max_detect) : nullptr;
  out["idle_timeout_seconds"] =
      report.policy.idle_timeout ? nlohmann::ordered_json(*report.policy.idle_timeout) : nullptr;
  out["max_uncovered"] =
      report.policy.max_uncovered ? nlohmann::ordered_json(*report.policy.max_uncovered) : nullptr;
  out["uncovered"] = report.uncovered ? nlohmann::ordered_json(*report.uncovered) : nullptr;
  return out;
}

std::string render_json(const CheckReport& report) {
  return dump_json(to_json(report)) + "\n";
}

} // namespace kaltune
