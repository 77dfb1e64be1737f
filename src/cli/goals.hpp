#pragma once

// The goal options that plan, set, verify and check share (--idle-timeout, --detect-within,
// --survive-outage, --loss-tolerance): one declaration, one parser, one derivation with one
// error.

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
  std::optional<std::string> survive_outage; // a duration, 0 allowed
  std::optional<std::string> loss_tolerance; // a count
  bool any() const {
    return !idle_timeouts.empty() || detect_within || survive_outage || loss_tolerance;
  }
};

// Declares --idle-timeout (repeatable), --detect-within, --survive-outage and --loss-tolerance
// on `command`.
void add_goal_options(CLI::App& command, GoalOptions& options);

// --survive-outage alone, for a command that takes no other goal option (check).
void add_survive_outage_option(CLI::App& command, std::optional<std::string>& text);
// Its value: a duration of 0 or more; otherwise a usage error.
std::int64_t parse_survive_outage(const std::string& text);

// The goals, every value checked (a one-line usage error naming option, value and what is
// accepted); presets are resolved against the target namespace (nf-conntrack's running value,
// with a warning on stderr when it is 0).
Goals parse_goals(Context& context, const GoalOptions& options);

// What an idle timeout's preset says about this namespace, as a warning on stderr (an
// nf_conntrack_tcp_timeout_established of 0).
void warn_preset_notes(Context& context, const IdleTimeout& idle);

// The namespace's busy half (tcp_retries2, tcp_rto_max_ms, tcp_rto_min_us); the kernel's
// defaults where they cannot be read (plan needs no kernel).
BusyInputs busy_inputs(Context& context);

// With goals given: the values derived around the explicit ones (`given`, which win where
// present), every key set. Without goals: nullopt. In text mode the report of where each value
// came from goes to context.out first. `command` prefixes errors ("set", "verify").
std::optional<Plan> plan_from_goals(Context& context, std::string_view command,
                                    const GoalOptions& options, const Pins& given,
                                    bool sysctls = true);

// The derived values, or a usage error (exit 2) with the reason and the nearest goals that can be
// met. `command` prefixes the message ("plan", "set", "verify").
Plan derive_or_throw(std::string_view command, const PlanRequest& request);

} // namespace kaltune
