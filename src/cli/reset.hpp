#pragma once

#include "cli/context.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct ResetOptions {
  bool persist = false;
  std::optional<std::string> file; // --file: remove the keepalive lines from this file
  bool no_runtime = false;
  bool dry_run = false;
};

void setup_reset(CLI::App& command, ResetOptions& options);
int run_reset(Context& context, const ResetOptions& options);

} // namespace kaltune
