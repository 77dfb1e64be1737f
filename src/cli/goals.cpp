#include "cli/goals.hpp"

#include "cli/option_values.hpp"
#include "core/duration.hpp"
#include "render/plan.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace kaltune {

void add_goal_options(CLI::App& command, GoalOptions& options) {
  command
      .add_option("--idle-timeout", options.idle_timeouts,
                  "Idle timeout of a middlebox on the path: a duration, or a preset "
                  "(plan --list-presets) with an optional =DURATION override, e.g. aws-nlb=600s; "
                  "repeatable, the shortest binds")
      ->type_name("DURATION|PRESET");
  command
      .add_option("--detect-within", options.detect_within,
                  "Longest a connection to a dead peer may survive, idle (keepalive) or busy "
                  "(tcp_retries2)")
      ->type_name("DURATION");
  add_survive_outage_option(command, options.survive_outage);
  command
      .add_option("--loss-tolerance", options.loss_tolerance,
                  fmt::format("Consecutive lost probes a healthy idle connection must survive, "
                              "whatever the outage needs ({}-{}; default {}, or probes - 1 when "
                              "--probes is given)",
                              loss_tolerance_range.min, loss_tolerance_range.max,
                              default_loss_tolerance))
      ->type_name("N");
}

void add_survive_outage_option(CLI::App& command, std::optional<std::string>& text) {
  command
      .add_option("--survive-outage", text,
                  fmt::format("Longest network outage that must not end a healthy connection, "
                              "idle or busy (default {}s, BGP's hold time; 0 for none)",
                              default_survive_outage))
      ->type_name("DURATION");
}

std::int64_t parse_survive_outage(const std::string& text) {
  auto seconds = parse_duration(text);
  if (!seconds || *seconds < 0) {
    throw Error(ExitStatus::usage,
                fmt::format("invalid --survive-outage value '{}': {}; accepted a duration of 0 "
                            "or more (90s, 2m)",
                            text, seconds ? std::string("negative") : seconds.error()));
  }
  return *seconds;
}

void warn_preset_notes(Context& context, const IdleTimeout& idle) {
  if (idle.preset && idle.preset->zero_timeout) {
    context.warn(fmt::format("{} is 0 in this namespace: conntrack forgets an idle established "
                             "flow at once (nf_conntrack_tcp_loose may pick it up again, unless "
                             "NAT rewrote it), so no keepalive value keeps it",
                             conntrack_sysctl));
  }
}

Goals parse_goals(Context& context, const GoalOptions& options) {
  Goals goals;
  if (!options.idle_timeouts.empty()) {
    const PresetEnvironment environment = read_preset_environment(context.proc);
    for (const std::string& text : options.idle_timeouts) {
      auto idle = parse_idle_timeout(text, environment);
      if (!idle) {
        throw Error(ExitStatus::usage, idle.error());
      }
      warn_preset_notes(context, *idle);
      goals.idle_timeouts.push_back(std::move(*idle));
    }
  }
  if (options.detect_within) {
    goals.detect_within = parse_positive_duration("--detect-within", *options.detect_within);
  }
  if (options.survive_outage) {
    goals.survive_outage = parse_survive_outage(*options.survive_outage);
  }
  if (options.loss_tolerance) {
    auto count = parse_count(*options.loss_tolerance);
    if (!count || !loss_tolerance_range.contains(*count)) {
      throw Error(ExitStatus::usage,
                  fmt::format("invalid --loss-tolerance value '{}': {}; accepted {}-{} (probes "
                              "= tolerance + 1 must stay within TCP_KEEPCNT's 1-127)",
                              *options.loss_tolerance, count ? "out of range" : count.error(),
                              loss_tolerance_range.min, loss_tolerance_range.max));
    }
    goals.loss_tolerance = *count;
  }
  return goals;
}

BusyInputs busy_inputs(Context& context) {
  try {
    return read_busy_inputs(context.proc);
  } catch (const Error&) {
    return BusyInputs{};
  }
}

std::optional<Plan> plan_from_goals(Context& context, std::string_view command,
                                    const GoalOptions& options, const Pins& given, bool sysctls) {
  if (!options.any()) {
    return std::nullopt;
  }
  PlanRequest request{parse_goals(context, options), given, busy_inputs(context)};
  if (request.goals.idle_timeouts.empty() && !request.goals.detect_within) {
    throw Error(ExitStatus::usage,
                fmt::format("{}: --survive-outage and --loss-tolerance need --idle-timeout or "
                            "--detect-within",
                            command));
  }
  Plan plan = derive_or_throw(command, request);
  if (context.format != Format::json) {
    context.out << render_plan_origins(plan, context.out_style, sysctls);
  }
  return plan;
}

Plan derive_or_throw(std::string_view command, const PlanRequest& request) {
  Derivation derivation = derive(request);
  if (auto* infeasible = std::get_if<Infeasible>(&derivation)) {
    throw Error(ExitStatus::usage, fmt::format("{}: {}", command, render_infeasible(*infeasible)));
  }
  return std::get<Plan>(std::move(derivation));
}

} // namespace kaltune
