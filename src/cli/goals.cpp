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
                  "Longest an idle connection to a dead peer may survive")
      ->type_name("DURATION");
  command
      .add_option("--loss-tolerance", options.loss_tolerance,
                  fmt::format("Consecutive lost probes a healthy connection must survive "
                              "({}-{}; default {}, or probes - 1 when --probes is given)",
                              loss_tolerance_range.min, loss_tolerance_range.max,
                              default_loss_tolerance))
      ->type_name("N");
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
      goals.idle_timeouts.push_back(std::move(*idle));
    }
  }
  if (options.detect_within) {
    goals.detect_within = parse_positive_duration("--detect-within", *options.detect_within);
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

std::optional<Plan> plan_from_goals(Context& context, std::string_view command,
                                    const GoalOptions& options, const Pins& given) {
  if (!options.any()) {
    return std::nullopt;
  }
  const Goals goals = parse_goals(context, options);
  if (goals.idle_timeouts.empty() && !goals.detect_within) {
    throw Error(
        ExitStatus::usage,
        fmt::format("{}: --loss-tolerance needs --idle-timeout or --detect-within", command));
  }
  Plan plan = derive_or_throw(command, goals, given);
  if (context.format != Format::json) {
    context.out << render_plan_origins(plan, context.out_style);
  }
  return plan;
}

Plan derive_or_throw(std::string_view command, const Goals& goals, const Pins& pins) {
  Derivation derivation = derive(goals, pins);
  if (auto* infeasible = std::get_if<Infeasible>(&derivation)) {
    throw Error(ExitStatus::usage, fmt::format("{}: {}", command, render_infeasible(*infeasible)));
  }
  return std::get<Plan>(std::move(derivation));
}

} // namespace kaltune
