#pragma once

#include "cli/context.hpp"
#include "config/boot.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct ShowOptions {
  std::string source = "running";
  bool source_given = false; // the Prometheus format reports running and boot unless one is named
  std::string format = "table";
  std::optional<std::string> output; // --output FILE, written atomically
};

void setup_show(CLI::App& command, ShowOptions& options);
int run_show(Context& context, const ShowOptions& options);

// The boot model --boot-model asks for; "auto" looks for systemd-sysctl under --root.
BootModel boot_model(const GlobalOptions& global);

} // namespace kaltune
