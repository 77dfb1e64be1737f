#include "render/boot.hpp"

#include "base/text.hpp"
#include "config/boot_rules.hpp"
#include "render/json.hpp"
#include "render/settings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

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
  out += fmt::format("\nAssignments, in the order {} reads them ('*' marks the winner):\n",
                     describe_model(view.model));
  for (Key key : all_keys) {
    out += fmt::format("  {}\n", style.bold(sysctl_name(key)));
    bool any = false;
    for (const BootAssignment& a : view.assignments) {
      if (a.key != key) {
        continue;
      }
      any = true;
      std::string line = fmt::format("  {} {:<40} {:<16} {}", a.winner ? "*" : " ", a.origin(),
                                     reading(a), status(a));
      if (!a.notes.empty()) {
        line += " \u2014 ";
        for (std::size_t i = 0; i < a.notes.size(); ++i) {
          line += (i == 0 ? "" : "; ") + a.notes[i];
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
      files += fmt::format("  {:<40} {}\n", file.path, file.note);
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
        set ? "" : fmt::format("  (not set in {}: kernel default)", view.settings.source));
  }
  return out;
}

nlohmann::ordered_json to_json(const BootView& view, bool single_file) {
  nlohmann::ordered_json out = to_json(ShowReport{view.settings, std::nullopt, std::nullopt});
  out["model"] = std::string(to_string(view.model));
  nlohmann::ordered_json assignments = nlohmann::ordered_json::array();
  for (const BootAssignment& a : view.assignments) {
    assignments.push_back(
        {{"key", sysctl_name(a.key)},
         {"origin", a.origin()},
         {"file", a.file},
         {"target", a.target},
         {"line", a.line},
         {"text", a.exclusion ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(a.text)},
         {"value", a.value ? nlohmann::ordered_json(*a.value) : nlohmann::ordered_json(nullptr)},
         {"written", a.written},
         {"winner", a.winner},
         {"exclusion", a.exclusion},
         {"glob", a.glob},
         {"notes", a.notes}});
  }
  out["assignments"] = std::move(assignments);
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const BootFile& file : view.files) {
    files.push_back({{"path", file.path},
                     {"target", file.target},
                     {"applied", file.applied},
                     {"note", file.note}});
  }
  out["files"] = std::move(files);
  out["diagnostics"] = view.warnings;
  if (single_file) {
    nlohmann::ordered_json missing = nlohmann::ordered_json::array();
    for (Key key : unassigned_keys(view)) {
      missing.push_back(sysctl_name(key));
    }
    out["not_assigned"] = std::move(missing);
  }
  return out;
}

std::string render_json(const BootView& view, bool single_file) {
  return dump_json(to_json(view, single_file)) + "\n";
}

} // namespace kaltune
