#include "render/plan.hpp"

#include "render/duration.hpp"
#include "render/json.hpp"
#include "render/settings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kaltune {

namespace {
std::string origin(const Plan& plan, Key key) {
  return plan.given[index_of(key)] ? fmt::format("given (--{})", short_name(key)) : "derived";
}

std::string goal_summary(const Plan& plan) {
  std::vector<std::string> goals;
  for (const GoalCheck& check : plan.checks) {
    goals.push_back(check.goal);
  }
  return fmt::format("{}", fmt::join(goals, "; "));
}

std::string margin_text(const GoalCheck& check) {
  if (check.kind == GoalKind::loss_tolerance) {
    return check.margin_ms == 0 ? "no spare probe"
                                : fmt::format("{} spare probes", check.margin_ms);
  }
  return fmt::format("margin {}", ms_as_seconds(check.margin_ms));
}

std::string_view kind_name(GoalKind kind) {
  switch (kind) {
  case GoalKind::idle_timeout:
    return "idle_timeout";
  case GoalKind::detect_within:
    return "detect_within";
  case GoalKind::loss_tolerance:
    return "loss_tolerance";
  }
  return "unknown";
}

// The three assignments, as `show --format sysctl` writes them.
std::string assignments(const Plan& plan) {
  return render_sysctl(sourced("plan", plan.settings, "derived"));
}
} // namespace

std::string set_command(const Plan& plan) {
  return fmt::format("kaltune set --time {} --intvl {} --probes {}", plan.settings[Key::time],
                     plan.settings[Key::intvl], plan.settings[Key::probes]);
}

namespace {
std::string values_table(const Plan& plan, const Style& style) {
  std::string out = style.bold(fmt::format("  {:<30} {:<18} {}", "KEY", "VALUE", "ORIGIN")) + "\n";
  for (Key key : all_keys) {
    out += fmt::format("  {:<30} {:<18} {}\n", sysctl_name(key),
                       value_text(key, plan.settings[key]), origin(plan, key));
  }
  return out;
}

std::string goal_lines(const Plan& plan, const Style& style, bool explain) {
  std::string out = "Goals:\n";
  for (const GoalCheck& check : plan.checks) {
    out += fmt::format("  {} {}: {} {}, {}\n", style.good("met"), check.goal,
                       check.binding ? "binds" : "holds", check.bound, margin_text(check));
    if (explain) {
      out += fmt::format("      {}\n", check.explanation);
    }
  }
  return out;
}
} // namespace

std::string render_plan(const Plan& plan, const Style& style) {
  std::string out = values_table(plan, style);
  out += fmt::format("\nDead peer detected after {} = time + intvl \u00d7 probes = {} + {} \u00d7 "
                     "{} (at the latest {} with the timer's lateness)\n",
                     style.bold(seconds_with_human(plan.detect_seconds)), plan.settings[Key::time],
                     plan.settings[Key::intvl], plan.settings[Key::probes],
                     ms_as_seconds(plan.detect_latest_ms));
  out += "\n" + goal_lines(plan, style, true);
  out += fmt::format("\nWhy these values: {}.\n", plan.preference);
  out += fmt::format("\nApply now: {}\n", style.bold(set_command(plan)));
  out += "(add --persist to keep them across reboots; --format sysctl, kubernetes or docker for "
         "other places)\n";
  return out;
}

std::string render_plan_origins(const Plan& plan, const Style& style) {
  return "From the goals (kaltune plan explains them):\n" + values_table(plan, style) +
         goal_lines(plan, style, false) + "\n";
}

std::string render_plan_sysctl(const Plan& plan) {
  return fmt::format("# Written by kaltune plan for: {}.\n"
                     "# A dead peer is detected after {} s (time + intvl x probes).\n{}",
                     goal_summary(plan), plan.detect_seconds, assignments(plan));
}

std::string render_plan_kubernetes(const Plan& plan) {
  std::string out = fmt::format(
      "# kaltune plan for: {}.\n"
      "# Pod spec fragment. Kubernetes >= 1.29 allows these sysctls as safe (older clusters "
      "need\n# --allowed-unsafe-sysctls on the kubelet); the node kernel must be >= 4.5, where "
      "they are\n# per network namespace.\n"
      "securityContext:\n  sysctls:\n",
      goal_summary(plan));
  for (Key key : all_keys) {
    out +=
        fmt::format("    - name: {}\n      value: \"{}\"\n", sysctl_name(key), plan.settings[key]);
  }
  return out;
}

std::string render_plan_docker(const Plan& plan) {
  std::vector<std::string> flags;
  for (Key key : all_keys) {
    flags.push_back(fmt::format("--sysctl {}={}", sysctl_name(key), plan.settings[key]));
  }
  return fmt::format("{}\n", fmt::join(flags, " "));
}

nlohmann::ordered_json to_json(const Plan& plan) {
  nlohmann::ordered_json out;
  SourcedSettings values = sourced("plan", plan.settings, "derived");
  for (Key key : all_keys) {
    values[key].origin = origin(plan, key);
  }
  out["settings"] = settings_json(values);
  out["detect_seconds"] = plan.detect_seconds;
  out["detect_latest_seconds"] = static_cast<double>(plan.detect_latest_ms) / 1000.0;
  out["loss_tolerance"] = plan.loss_tolerance;
  out["loss_tolerance_default"] = plan.loss_tolerance_defaulted;
  nlohmann::ordered_json goals = nlohmann::ordered_json::array();
  for (const GoalCheck& check : plan.checks) {
    nlohmann::ordered_json goal;
    goal["kind"] = kind_name(check.kind);
    goal["goal"] = check.goal;
    goal["preset"] = check.preset ? nlohmann::ordered_json(*check.preset) : nullptr;
    goal["bound"] = check.bound;
    goal["binding"] = check.binding;
    if (check.kind == GoalKind::loss_tolerance) {
      goal["probes_needed"] = check.limit_ms;
      goal["probes"] = check.worst_ms;
      goal["spare_probes"] = check.margin_ms;
    } else {
      goal["limit_seconds"] = static_cast<double>(check.limit_ms) / 1000.0;
      goal["latest_seconds"] = static_cast<double>(check.worst_ms) / 1000.0;
      goal["margin_seconds"] = static_cast<double>(check.margin_ms) / 1000.0;
    }
    goal["explanation"] = check.explanation;
    goals.push_back(std::move(goal));
  }
  out["goals"] = std::move(goals);
  out["preference"] = plan.preference;
  out["set_command"] = set_command(plan);
  return out;
}

std::string render_json(const Plan& plan) {
  return dump_json(to_json(plan)) + "\n";
}

std::string render_infeasible(const Infeasible& infeasible) {
  return fmt::format("the goals cannot all be met: {}; nearest goals that can: {}",
                     infeasible.reason, fmt::join(infeasible.nearest, ", or "));
}

std::string render_presets(const PresetEnvironment& environment, const Style& style) {
  std::string out =
      style.bold(fmt::format("{:<28} {:<18} {:<15} {:<9} {}", "PRESET", "IDLE TIMEOUT",
                             "CONFIGURABLE", "KEEPALIVE", "MIDDLEBOX")) +
      "\n";
  for (const Preset& preset : presets()) {
    const ResolvedPreset resolved = resolve_preset(preset, environment);
    const std::string range = preset.configurable ? fmt::format("{}-{} s", preset.configurable->min,
                                                                preset.configurable->max)
                                                  : "fixed";
    out += fmt::format("{:<28} {:<18} {:<15} {:<9} {}\n", preset.name,
                       seconds_with_human(resolved.seconds), range,
                       preset.keepalive_resets ? "resets" : "IGNORED", preset.middlebox);
    out += style.dim(fmt::format(
               "    {} ({}){}", preset.source, preset.as_of,
               resolved.origin == "default" ? "" : fmt::format("; here: {}", resolved.origin))) +
           "\n";
  }
  out += "\nKEEPALIVE IGNORED: probes carry no data and do not reset that idle timer; no sysctl "
         "helps.\nOverride a configurable one with NAME=DURATION, e.g. --idle-timeout "
         "aws-nlb=600s.\n";
  return out;
}

nlohmann::ordered_json presets_json(const PresetEnvironment& environment) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Preset& preset : presets()) {
    const ResolvedPreset resolved = resolve_preset(preset, environment);
    nlohmann::ordered_json row;
    row["name"] = preset.name;
    row["middlebox"] = preset.middlebox;
    row["idle_timeout_seconds"] = resolved.seconds;
    row["origin"] = resolved.origin;
    row["configurable"] = preset.configurable
                              ? nlohmann::ordered_json{{"min_seconds", preset.configurable->min},
                                                       {"max_seconds", preset.configurable->max}}
                              : nlohmann::ordered_json(nullptr);
    row["keepalive_resets"] = preset.keepalive_resets;
    row["source"] = preset.source;
    row["as_of"] = preset.as_of;
    out.push_back(std::move(row));
  }
  return nlohmann::ordered_json{{"presets", std::move(out)}};
}

std::string render_presets_json(const PresetEnvironment& environment) {
  return dump_json(presets_json(environment)) + "\n";
}

} // namespace kaltune
