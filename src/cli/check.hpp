#pragma once

#include "cli/context.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct CheckOptions {
  std::optional<std::string> max_detect;     // a duration, validated by run_check
  std::optional<std::string> idle_timeout;   // a duration or a preset, validated by run_check
  std::optional<std::string> preset;         // a preset name, validated by run_check
  std::optional<std::string> survive_outage; // a duration, validated by run_check
  bool persisted = false;                    // the running values must be the ones boot applies
  std::optional<std::int64_t> max_uncovered; // established connections without keepalive
};

void setup_check(CLI::App& command, CheckOptions& options);
// Exit 0 when the running values meet the policy, 1 when they violate it; with --nagios the
// monitoring-plugin codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
int run_check(Context& context, const CheckOptions& options);

} // namespace kaltune
