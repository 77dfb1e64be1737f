#include "render/plan.hpp"

#include "base/text.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"
#include "render/plan_text.hpp"
#include "render/settings.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <span>

namespace kaltune {

namespace {
std::string origin(const Plan& plan, Key key) {
  if (plan.given[index_of(key)]) {
    return fmt::format("given (--{})", short_name(key));
  }
  return plan.sets(key) ? "derived" : "kept (this namespace's)";
}

std::string_view choice_name(Retries2Choice choice) {
  switch (choice) {
  case Retries2Choice::given:
    return "given";
  case Retries2Choice::within_detection:
    return "within_detection";
  case Retries2Choice::kept:
    return "kept";
  case Retries2Choice::raised:
    return "raised";
  }
  return "unknown";
}

std::string goal_summary(const Plan& plan) {
  std::vector<std::string> goals;
  for (const GoalCheck& check : plan.checks) {
    goals.push_back(goal_text(check, plan));
  }
  return fmt::format("{}", fmt::join(goals, "; "));
}

std::string_view kind_name(GoalKind kind) {
  switch (kind) {
  case GoalKind::idle_timeout:
    return "idle_timeout";
  case GoalKind::detect_within:
    return "detect_within";
  case GoalKind::survive_outage:
    return "survive_outage";
  case GoalKind::loss_tolerance:
    return "loss_tolerance";
  }
  return "unknown";
}

// The assignments of the keys the plan sets, as `show --format sysctl` writes them.
std::string assignments(const Plan& plan) {
  std::string out;
  for (Key key : all_keys) {
    if (plan.sets(key)) {
      out += fmt::format("{} = {}\n", sysctl_name(key), plan.settings[key]);
    }
  }
  return out;
}

double as_seconds(std::int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}
} // namespace

std::string set_command(const Plan& plan) {
  std::string out = "kaltune set";
  for (Key key : all_keys) {
    if (plan.sets(key)) {
      out += fmt::format(" --{} {}", short_name(key), plan.settings[key]);
    }
  }
  return out;
}

namespace {
std::string values_table(const Plan& plan, const Style& style, bool with_retries2 = true) {
  std::string out = style.bold(fmt::format("  {:<30} {:<18} {}", "KEY", "VALUE", "ORIGIN")) + "\n";
  for (Key key :
       with_retries2 ? std::span<const Key>(all_keys) : std::span<const Key>(keepalive_keys)) {
    out += fmt::format("  {:<30} {:<18} {}\n", sysctl_name(key),
                       value_text(key, plan.settings[key]), origin(plan, key));
  }
  return out;
}

std::string goal_lines(const Plan& plan, const Style& style, bool explain, bool busy = true) {
  std::string out = "Goals:\n";
  for (const GoalCheck& check : plan.checks) {
    if (!busy && check.half == Half::busy) {
      continue; // tcp_retries2's, which the command does not apply
    }
    out += fmt::format("  {} {}: {} {}, {}\n", style.good("met"), goal_text(check, plan),
                       check.binding ? "binds" : "holds", bound_text(check), margin_text(check));
    if (explain) {
      out += fmt::format("      {}\n", explanation_text(check, plan));
    }
  }
  return out;
}

// How the values reach the host.
std::string apply_lines(const Plan& plan, const Style& style) {
  return fmt::format("\nApply now: {}\n", style.bold(set_command(plan)));
}
} // namespace

std::string render_plan(const Plan& plan, const Style& style) {
  std::string out = values_table(plan, style);
  out += fmt::format("\nIdle: a dead peer is detected after {} = time + intvl \u00d7 probes = {} + "
                     "{} \u00d7 {} (at the latest {} with the timer's lateness)\n",
                     style.bold(seconds_with_human(plan.detect_seconds)), plan.settings[Key::time],
                     plan.settings[Key::intvl], plan.settings[Key::probes],
                     ms_as_seconds(plan.detect_latest_ms));
  out += fmt::format("Busy: {}\n", busy_text(plan));
  out += "\n" + goal_lines(plan, style, true);
  out += fmt::format("\nWhy these values: {}.\n", preference_text(plan));
  if (const std::string instead = user_timeout_text(plan); !instead.empty()) {
    out += fmt::format("\nInstead of tcp_retries2: {}.\n", instead);
  }
  out += apply_lines(plan, style);
  out += "(add --persist to keep them across reboots; --format sysctl, kubernetes or docker for "
         "other places)\n";
  return out;
}

std::string render_plan_origins(const Plan& plan, const Style& style, bool sysctls) {
  std::string out = "From the goals (kaltune plan explains them):\n" +
                    values_table(plan, style, sysctls) + goal_lines(plan, style, false, sysctls);
  if (!sysctls && plan.sets(Key::retries2)) {
    out += plan.user_timeout_ms && *plan.user_timeout_ms >= 1000
               ? fmt::format("Busy connections: enforce sets no tcp_retries2; --user-timeout {}s "
                             "meets the goals for them (TCP_USER_TIMEOUT up to {} ms)\n",
                             *plan.user_timeout_ms / 1000, *plan.user_timeout_ms)
               : "Busy connections: enforce sets no tcp_retries2, and no TCP_USER_TIMEOUT meets "
                 "the goals for them (kaltune plan says why)\n";
  }
  return out + "\n";
}

std::string render_plan_sysctl(const Plan& plan) {
  return fmt::format("# Written by kaltune plan for: {}.\n"
                     "# A dead peer is detected after {} s idle (time + intvl x probes), and "
                     "after at most {} with data in flight.\n{}",
                     goal_summary(plan), plan.detect_seconds, ms_as_seconds(plan.busy.worst_ms),
                     assignments(plan));
}

std::string render_plan_kubernetes(const Plan& plan) {
  std::string out = fmt::format(
      "# kaltune plan for: {}.\n"
      "# Pod spec fragment. Kubernetes >= 1.29 allows the keepalive sysctls as safe (older "
      "clusters\n# need --allowed-unsafe-sysctls on the kubelet); the node kernel must be >= "
      "4.5, where they are\n# per network namespace.\n",
      goal_summary(plan));
  if (plan.sets(Key::retries2)) {
    out += fmt::format(
        "# {} is per network namespace too, but not in Kubernetes' safe set: the kubelet must\n"
        "# allow it (--allowed-unsafe-sysctls={}, or allowedUnsafeSysctls in its config) and\n"
        "# the pod's namespace must admit unsafe sysctls (Pod Security \"privileged\"), or the\n"
        "# pod is rejected (SysctlForbidden). Without that, leave it out and have the program\n"
        "# set TCP_USER_TIMEOUT.\n",
        sysctl_name(Key::retries2), sysctl_name(Key::retries2));
  }
  out += "securityContext:\n  sysctls:\n";
  for (Key key : all_keys) {
    if (plan.sets(key)) {
      out += fmt::format("    - name: {}\n      value: \"{}\"\n", sysctl_name(key),
                         plan.settings[key]);
    }
  }
  return out;
}

std::string render_plan_docker(const Plan& plan) {
  std::vector<std::string> flags;
  for (Key key : all_keys) {
    if (plan.sets(key)) {
      flags.push_back(fmt::format("--sysctl {}={}", sysctl_name(key), plan.settings[key]));
    }
  }
  return fmt::format("{}\n", fmt::join(flags, " "));
}

namespace {
nlohmann::ordered_json goal_json(const GoalCheck& check, const Plan& plan) {
  nlohmann::ordered_json goal;
  goal["kind"] = kind_name(check.kind);
  goal["half"] = check.half == Half::idle ? "idle" : "busy";
  goal["goal"] = goal_text(check, plan);
  goal["preset"] = check.idle && check.idle->preset ? nlohmann::ordered_json(check.idle->text)
                                                    : nlohmann::ordered_json(nullptr);
  goal["bound"] = bound_text(check);
  goal["binding"] = check.binding;
  if (check.kind == GoalKind::loss_tolerance) {
    goal["probes_needed"] = check.goal_ms;
    goal["probes"] = check.reached_ms;
    goal["spare_probes"] = check.margin_ms;
  } else if (check.kind == GoalKind::survive_outage) {
    goal["outage_seconds"] = as_seconds(check.goal_ms);
    goal["survives_seconds"] = as_seconds(check.reached_ms);
    goal["margin_seconds"] = as_seconds(check.margin_ms);
  } else {
    goal["limit_seconds"] = as_seconds(check.goal_ms);
    goal["latest_seconds"] = as_seconds(check.reached_ms);
    goal["margin_seconds"] = as_seconds(check.margin_ms);
  }
  if (check.kind == GoalKind::idle_timeout || check.kind == GoalKind::survive_outage) {
    goal["lost_probes"] = check.lost_probes;
  }
  goal["explanation"] = explanation_text(check, plan);
  return goal;
}

nlohmann::ordered_json busy_json(const Plan& plan) {
  nlohmann::ordered_json out;
  out["value"] = plan.settings[Key::retries2];
  out["origin"] = origin(plan, Key::retries2);
  out["choice"] = choice_name(plan.retries2_choice);
  out["limit_seconds"] = as_seconds(plan.busy.limit.ms);
  out["earliest_seconds"] = as_seconds(plan.busy.earliest_ms);
  out["worst_seconds"] = as_seconds(plan.busy.worst_ms);
  out["latest_seconds"] = as_seconds(plan.busy.latest_ms);
  out["survives_seconds"] = as_seconds(plan.busy.survives_ms);
  return out;
}
} // namespace

nlohmann::ordered_json to_json(const Plan& plan) {
  nlohmann::ordered_json out;
  SourcedSettings values = sourced("plan", plan.settings, "derived");
  for (Key key : all_keys) {
    values[key].origin = origin(plan, key);
  }
  out["settings"] = settings_json(values);
  out["tcp_retries2"] = busy_json(plan);
  out["detect_seconds"] = plan.detect_seconds;
  out["detect_latest_seconds"] = as_seconds(plan.detect_latest_ms);
  out["loss_tolerance"] = plan.loss_tolerance;
  out["loss_tolerance_default"] = plan.loss_tolerance_defaulted;
  out["survive_outage_seconds"] = plan.survive_outage;
  out["survive_outage_default"] = plan.survive_outage_defaulted;
  out["user_timeout_ms"] = plan.user_timeout_ms ? nlohmann::ordered_json(*plan.user_timeout_ms)
                                                : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json goals = nlohmann::ordered_json::array();
  for (const GoalCheck& check : plan.checks) {
    goals.push_back(goal_json(check, plan));
  }
  out["goals"] = std::move(goals);
  out["preference"] = preference_text(plan);
  out["set_command"] = set_command(plan);
  return out;
}

std::string render_json(const Plan& plan) {
  return dump_json(to_json(plan)) + "\n";
}

std::string render_infeasible(const Infeasible& infeasible) {
  return infeasible_text(infeasible);
}
namespace {
// Where a preset's number comes from, as the list says it; empty for the table's own.
std::string origin_text(const ResolvedPreset& resolved) {
  switch (resolved.origin) {
  case PresetOrigin::table:
    return "";
  case PresetOrigin::override_given:
    return "override";
  case PresetOrigin::running_kernel:
    return resolved.zero_timeout
               ? fmt::format("running kernel ({} is 0: idle flows are forgotten at once)",
                             conntrack_sysctl)
               : fmt::format("running kernel ({})", conntrack_sysctl);
  case PresetOrigin::kernel_default:
    return "kernel default (nf_conntrack not loaded)";
  }
  return "";
}

std::string_view origin_name(PresetOrigin origin) {
  switch (origin) {
  case PresetOrigin::table:
    return "default";
  case PresetOrigin::override_given:
    return "override";
  case PresetOrigin::running_kernel:
    return "running_kernel";
  case PresetOrigin::kernel_default:
    return "kernel_default";
  }
  return "unknown";
}
} // namespace

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
    out += style.dim(fmt::format("    {} ({}){}", preset.source, preset.as_of,
                                 resolved.origin == PresetOrigin::table
                                     ? ""
                                     : fmt::format("; here: {}", origin_text(resolved)))) +
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
    row["origin"] = origin_name(resolved.origin);
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
