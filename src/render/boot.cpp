#include "render/boot.hpp"

#include "base/text.hpp"
#include "config/boot_rules.hpp"
#include "render/json.hpp"
#include "render/settings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ostream>

namespace kaltune {

namespace {
ShowReport show_report(const BootView& view, bool single_file) {
  ShowReport report;
  report.settings = view.settings;
  if (single_file) {
    for (Key key : unassigned_keys(view)) {
      report.settings[key].origin =
          fmt::format("kernel default (not set in {})", view.settings.source);
    }
  }
  return report;
}

std::string reading(const BootAssignment& a) {
  if (a.exclusion) {
    return "(exclusion)";
  }
  if (!a.value) {
    return fmt::format("{} (rejected)", printable(a.text));
  }
  if (fmt::format("{}", *a.value) != a.text) {
    return fmt::format("{} \u2192 {}", printable(a.text), *a.value);
  }
  return a.text;
}

std::string status(const BootAssignment& a) {
  if (a.winner) {
    return "applied, wins";
  }
  if (a.exclusion) {
    return "";
  }
  if (!a.written) {
    return "not applied";
  }
  return a.value ? "applied" : "rejected by the kernel";
}
} // namespace

std::string describe_model(BootModel model) {
  return model == BootModel::systemd ? "systemd-sysctl (systemd 252)"
                                     : "procps sysctl --system (procps 4.0.2)";
}

std::string render_boot_table(const BootView& view, bool single_file, const Style& style) {
  std::string out = render_table(show_report(view, single_file), style);
  if (!single_file && !view.steps.empty()) {
    out += "\nWhat boot applies, in order (a later step overrides an earlier one):\n";
    std::size_t n = 0;
    for (const BootStep& step : view.steps) {
      out +=
          fmt::format("  {}. {}{}\n", ++n, printable(step.what), step.active ? "" : " (inactive)");
    }
  }
  out += fmt::format("\nAssignments, in the order {} ('*' marks the winner):\n",
                     single_file ? fmt::format("{} reads them", describe_model(view.model))
                                 : std::string("boot applies them"));
  for (Key key : all_keys) {
    out += fmt::format("  {}\n", style.bold(sysctl_name(key)));
    bool any = false;
    for (const BootAssignment& a : view.assignments) {
      if (a.key != key) {
        continue;
      }
      any = true;
      std::string line = fmt::format("  {} {:<40} {:<16} {}", a.winner ? "*" : " ",
                                     printable(a.origin()), reading(a), status(a));
      if (!a.notes.empty()) {
        line += " \u2014 ";
        for (std::size_t i = 0; i < a.notes.size(); ++i) {
          line += (i == 0 ? "" : "; ") + printable(a.notes[i]);
        }
      }
      line.resize(trim_end(line, " ").size());
      out += (a.winner ? style.good(line) : line) + "\n";
    }
    if (!any) {
      out += "    none: the kernel default stays\n";
    }
  }
  std::string files;
  for (const BootFile& file : view.files) {
    if (!file.note.empty()) {
      files += fmt::format("  {:<40} {}\n", printable(file.path), printable(file.note));
    }
  }
  if (!files.empty()) {
    out += "\nFiles masked, shadowed or skipped:\n" + files;
  }
  return out;
}

std::string render_boot_sysctl(const BootView& view, bool single_file) {
  if (!single_file) {
    return render_sysctl(view.settings);
  }
  std::string out;
  const std::vector<Key> unassigned = unassigned_keys(view);
  for (Key key : all_keys) {
    const bool set = std::find(unassigned.begin(), unassigned.end(), key) == unassigned.end();
    out += fmt::format(
        "{}{} = {}{}\n", set ? "" : "# ", sysctl_name(key), view.settings[key].value,
        set ? ""
            : fmt::format("  (not set in {}: kernel default)", printable(view.settings.source)));
  }
  return out;
}

namespace {
nlohmann::ordered_json assignment_json(const BootAssignment& a) {
  return {{"key", sysctl_name(a.key)},
          {"origin", a.origin()},
          {"stage", std::string(to_string(a.stage))},
          {"file", a.file},
          {"target", a.target},
          {"line", a.line},
          {"text", a.exclusion ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(a.text)},
          {"value", a.value ? nlohmann::ordered_json(*a.value) : nlohmann::ordered_json(nullptr)},
          {"written", a.written},
          {"winner", a.winner},
          {"exclusion", a.exclusion},
          {"glob", a.glob},
          {"notes", a.notes}};
}
} // namespace

void write_json(std::ostream& out, const BootView& view, bool single_file) {
  // Element by element: a file of 100 000 lines has as many assignments (and maybe warnings),
  // and their JSON tree would weigh several times the view itself.
  JsonStream json(out);
  json.members(to_json(ShowReport{view.settings, std::nullopt, {}}));
  json.member("model", std::string(to_string(view.model)));
  json.begin_array("assignments");
  for (const BootAssignment& a : view.assignments) {
    json.element(assignment_json(a));
  }
  json.end_array();
  json.begin_array("files");
  for (const BootFile& file : view.files) {
    json.element({{"path", file.path},
                  {"target", file.target},
                  {"applied", file.applied},
                  {"note", file.note}});
  }
  json.end_array();
  if (!single_file) {
    json.begin_array("steps");
    for (const BootStep& step : view.steps) {
      json.element({{"stage", std::string(to_string(step.stage))},
                    {"active", step.active},
                    {"what", step.what}});
    }
    json.end_array();
  }
  json.begin_array("diagnostics");
  for (const std::string& warning : view.warnings) {
    json.element(warning);
  }
  json.end_array();
  if (single_file) {
    nlohmann::ordered_json missing = nlohmann::ordered_json::array();
    for (Key key : unassigned_keys(view)) {
      missing.push_back(sysctl_name(key));
    }
    json.member("not_assigned", missing);
  }
  json.end();
}

} // namespace kaltune
