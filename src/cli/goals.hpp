#pragma once

// The goal options that plan, set and verify share (--idle-timeout, --detect-within,
// --loss-tolerance): one declaration, one parser, one derivation with one error.

#include "cli/context.hpp"
#include "core/plan.hpp"

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace kaltune {

struct GoalOptions {
  std::vector<std::string> idle_timeouts;    // durations or preset names, as given
  std::optional<std::string> detect_within;  // a duration
  std::optional<std::string> loss_tolerance; // a count
  bool any() const { return !idle_timeouts.empty() || detect_within || loss_tolerance; }
};

// Declares --idle-timeout (repeatable), --detect-within and --loss-tolerance on `command`.
void add_goal_options(CLI::App& command, GoalOptions& options);

// The goals, every value checked (a one-line usage error naming option, value and what is
// accepted); presets are resolved against the target namespace (nf-conntrack's running value).
Goals parse_goals(Context& context, const GoalOptions& options);

// With goals given: the values derived around the explicit ones (`given`, which win where
// present), every key set. Without goals: nullopt. In text mode the report of where each value
// came from goes to context.out first. `command` prefixes errors ("set", "verify").
std::optional<Plan> plan_from_goals(Context& context, std::string_view command,
                                    const GoalOptions& options, const Pins& given);

// The derived values, or a usage error (exit 2) with the reason and the nearest goals that can be
// met. `command` prefixes the message ("plan", "set", "verify").
Plan derive_or_throw(std::string_view command, const Goals& goals, const Pins& pins = {});

} // namespace kaltune
