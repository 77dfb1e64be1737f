#pragma once

#include "cli/context.hpp"
#include "cli/goals.hpp"
#include "cli/option_values.hpp"
#include "core/runtime.hpp"

#include <array>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct SetOptions {
  ValueTexts values; // --time, --intvl, --probes
  bool dry_run = false;
  bool force = false;
  bool persist = false;
  std::optional<std::string> file; // --file: edit this file instead of kaltune's own
  bool no_runtime = false;
  GoalOptions goals; // values derived from goals; the explicit ones above win
};

void setup_set(CLI::App& command, SetOptions& options);
int run_set(Context& context, const SetOptions& options);

} // namespace kaltune
