#pragma once

#include "cli/context.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct ShowOptions {
  std::string source = "running";
  bool source_given = false; // the Prometheus format reports running and boot unless one is named
};

void setup_show(CLI::App& command, ShowOptions& options);
int run_show(Context& context, const ShowOptions& options);

} // namespace kaltune
