#include "cli/plan.hpp"

#include "render/plan.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ostream>

namespace kaltune {

void setup_plan(CLI::App& command, PlanOptions& options) {
  add_goal_options(command, options.goals);
  command.add_flag("--list-presets", options.list_presets,
                   "Print the middlebox presets: idle timeout, configurable range, whether "
                   "keepalive probes reset it, source and date");
}

int run_plan(Context& context, const PlanOptions& options) {
  const bool json = context.format == Format::json;
  if (options.list_presets) {
    if (options.goals.any()) {
      throw Error(ExitStatus::usage, "plan: --list-presets takes no goals");
    }
    if (!json && context.format != Format::table) {
      throw Error(ExitStatus::usage,
                  fmt::format("plan --list-presets: --format {} is not a format of the preset "
                              "list; accepted table, json",
                              format_name(context.format)));
    }
    const PresetEnvironment environment = read_preset_environment(context.proc);
    context.out << (json ? render_presets_json(environment)
                         : render_presets(environment, context.out_style));
    return 0;
  }
  const PlanRequest request{parse_goals(context, options.goals), {}, busy_inputs(context)};
  if (request.goals.idle_timeouts.empty() && !request.goals.detect_within) {
    throw Error(ExitStatus::usage, "plan: give --idle-timeout or --detect-within (see "
                                   "--list-presets for the middleboxes kaltune knows)");
  }
  const Plan plan = derive_or_throw("plan", request);
  if (json) {
    context.out << render_json(plan);
  } else if (context.format == Format::sysctl) {
    context.out << render_plan_sysctl(plan);
  } else if (context.format == Format::kubernetes) {
    context.out << render_plan_kubernetes(plan);
  } else if (context.format == Format::docker) {
    context.out << render_plan_docker(plan);
  } else {
    context.out << render_plan(plan, context.out_style);
  }
  return 0;
}

} // namespace kaltune
