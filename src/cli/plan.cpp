#include "cli/plan.hpp"

#include "render/plan.hpp"

#include <CLI/CLI.hpp>

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
    const PresetEnvironment environment = read_preset_environment(context.proc);
    context.out << (json ? render_presets_json(environment)
                         : render_presets(environment, context.out_style));
    return 0;
  }
  const Goals goals = parse_goals(context, options.goals);
  if (goals.idle_timeouts.empty() && !goals.detect_within) {
    throw Error(ExitStatus::usage, "plan: give --idle-timeout or --detect-within (see "
                                   "--list-presets for the middleboxes kaltune knows)");
  }
  const Plan plan = derive_or_throw("plan", goals);
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
