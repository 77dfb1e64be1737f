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
// When what wins at boot is no sysctl.d file: which source, and the way out its row names.
std::string other_source_sentence(const BootProblem& p, const std::string& what) {
  const BootAssignment& winner = p.assignment;
  const BootSource& source = boot_source(winner.stage);
  switch (source.way_out) {
  case WayOut::remove_kernel_parameter:
    return fmt::format(
        "boot would leave {} from the kernel command line: '{}' in {}, which no file of the "
        "applier overrides; remove the parameter there (and regenerate the boot loader "
        "configuration: update-grub, or kernel-install for {})",
        what, winner.text, winner.file, "/etc/kernel/cmdline");
  case WayOut::remove_credential_parameter:
    return fmt::format(
        "boot would apply {} from {} ('{}'), which {} applies after every file; remove the "
        "parameter there (and regenerate the boot loader configuration: update-grub, or "
        "kernel-install for {})",
        what, winner.origin(), winner.text, source.reader, "/etc/kernel/cmdline");
  case WayOut::change_credential:
    return fmt::format(
        "boot would apply {} from {} ('{}'), which {} applies after every file; change or "
        "remove the sysctl.extra credential where it is set (systemd.set_credential= on the "
        "kernel command line, SMBIOS/fw_cfg, or the container manager)",
        what, winner.origin(), winner.text, source.reader);
  case WayOut::change_tuned_profile:
    return fmt::format("boot would apply {} from {} ('{}'), which {} applies after "
                       "systemd-sysctl; change that [sysctl] option (or override it in a profile "
                       "under /etc/tuned), or select another profile with tuned-adm profile",
                       what, winner.origin(), winner.text, source.reader);
  case WayOut::edit_file:
    break;
  }
  return fmt::format("boot would apply {} from {} ('{}'); change it by hand", what, winner.origin(),
                     winner.text);
}

std::string problem_sentence(const BootProblem& p) {
  const std::string what = fmt::format("{} = {}", sysctl_name(p.key), p.value);
  const BootAssignment& a = p.assignment;
  switch (p.kind) {
  case BootProblemKind::excluded:
    return fmt::format(
        "boot would leave {} (kernel default): the exclusion '{}' at {} cancels the assignment "
        "({} model); remove that line by hand",
        what, a.text, a.origin(), to_string(p.model));
  case BootProblemKind::not_read:
    return fmt::format(
        "boot would leave {} (kernel default): {} is not applied at boot ({} model: not a "
        "*.conf file of a sysctl.d directory, or shadowed or masked by a file of the same name "
        "in a directory read first); without --file kaltune writes {}",
        what, p.plan_path, to_string(p.model), own_file);
  case BootProblemKind::other_source:
    return other_source_sentence(p, what);
  case BootProblemKind::own_line:
    return fmt::format("boot would apply {} from {} ('{}'), a line kaltune does not edit; change "
                       "it by hand",
                       what, a.origin(), a.text);
  case BootProblemKind::later_file:
    break;
  }
  return fmt::format("boot would apply {} from {}, which is applied after {} ({} model); change "
                     "it there with --file {}",
                     what, a.origin(), p.plan_path, to_string(p.model), a.file);
}
} // namespace

std::string describe_boot_problems(const std::vector<BootProblem>& problems) {
  std::string out;
  for (const BootProblem& problem : problems) {
    out += (out.empty() ? "" : "; ") + problem_sentence(problem);
  }
  return out;
}

namespace {
std::string_view file_action(const FilePlan& plan) {
  if (!plan.changes()) {
    return "unchanged";
  }
  if (!plan.after) {
    return "removed";
  }
  return plan.before.exists ? "updated" : "created";
}
} // namespace

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
