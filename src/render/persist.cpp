#include "render/persist.hpp"

#include "base/text.hpp"
#include "render/json.hpp"
#include "render/unified.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kaltune {

namespace {
std::string boot_lines(const PersistReport& report) {
  std::string out;
  const BootView& view = *report.boot;
  for (Key key : all_keys) {
    if (!report.keys[index_of(key)]) {
      continue;
    }
    out += fmt::format("boot ({} model) {} {} = {} from {}", to_string(view.model),
                       report.dry_run ? "would apply" : "applies", sysctl_name(key),
                       view.settings[key].value, printable(view.settings[key].origin));
    if (report.expected && (*report.expected)[key] != view.settings[key].value) {
      out += fmt::format(", not the kernel default {}", (*report.expected)[key]);
    }
    out += "\n";
  }
  return out;
}
// The unified diff of the planned change ("" when the file stays as it is).
std::string file_diff(const FilePlan& plan, const Style& style) {
  return unified_text_diff(plan.before.exists ? plan.target : "/dev/null",
                           plan.after ? plan.target : "/dev/null", plan.before.content,
                           plan.after.value_or(""), style);
}
} // namespace

std::string_view file_action(const FilePlan& plan) {
  if (!plan.changes()) {
    return "unchanged";
  }
  if (!plan.after) {
    return "removed";
  }
  return plan.before.exists ? "updated" : "created";
}

std::string render_persist(const PersistReport& report, const Style& style) {
  std::string out;
  if (report.runtime) {
    out += render_change_lines(*report.runtime, style); // the dry-run line comes once, at the end
  }
  const FilePlan& plan = report.plan;
  const std::string shown = printable(
      plan.target == plan.path ? plan.path : fmt::format("{} (-> {})", plan.path, plan.target));
  if (!plan.changes()) {
    out += fmt::format("{}: nothing to change\n", shown);
  } else if (report.dry_run) {
    out += file_diff(plan, style);
  } else {
    out += fmt::format("{} {}\n", file_action(plan), shown);
  }
  if (report.boot) {
    out += boot_lines(report);
  }
  if (report.dry_run) {
    out += dry_run_line;
  }
  return out;
}

nlohmann::ordered_json to_json(const PersistReport& report) {
  nlohmann::ordered_json out =
      report.runtime ? to_json(*report.runtime) : nlohmann::ordered_json::object();
  out["dry_run"] = report.dry_run;
  out["file"] = {{"path", report.plan.path},
                 {"target", report.plan.target},
                 {"action", file_action(report.plan)},
                 {"written", report.plan.changes() && !report.dry_run}};
  if (report.dry_run) {
    out["file"]["diff"] = file_diff(report.plan, Style(false));
  }
  if (report.boot) {
    out["boot"] = {{"model", to_string(report.boot->model)},
                   {"settings", settings_json(report.boot->settings)}};
  } else {
    out["boot"] = nullptr;
  }
  return out;
}

std::string render_json(const PersistReport& report) {
  return dump_json(to_json(report)) + "\n";
}

} // namespace kaltune
