#pragma once

#include "cli/context.hpp"
#include "cli/goals.hpp"

#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct PlanOptions {
  GoalOptions goals;
  bool list_presets = false;
};

// One line of help, for the command table.
inline constexpr std::string_view plan_help =
    "Derive the keepalive values and tcp_retries2 from goals (middlebox idle timeouts, "
    "detection time, the outage to survive), show why, and write them for sysctl.d, Kubernetes "
    "or Docker (exit 2 when the goals cannot all be met)";

void setup_plan(CLI::App& command, PlanOptions& options);
int run_plan(Context& context, const PlanOptions& options);

} // namespace kaltune
