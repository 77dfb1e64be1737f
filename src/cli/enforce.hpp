#pragma once

#include "cli/context.hpp"
#include "cli/goals.hpp"
#include "cli/option_values.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct EnforceOptions {
  std::optional<std::string> cgroup; // --cgroup PATH
  std::optional<std::string> unit;   // --unit NAME
  std::optional<std::string> pod;    // --pod NAMESPACE/NAME
  ValueTexts values;                 // --time, --intvl, --probes
  GoalOptions goals;
  bool sysctl_values = false;
  std::optional<std::string> user_timeout; // auto or a duration
  bool existing = false;
  bool override_choice = false;
  bool dry_run = false;
  bool persist = false;
  bool off = false;
  bool list = false;
  bool apply_persisted = false; // --apply-persisted: what kaltune-enforce.service runs
};

void setup_enforce(CLI::App& command, EnforceOptions& options);
int run_enforce(Context& context, const EnforceOptions& options);

} // namespace kaltune
