#pragma once

#include "cli/context.hpp"
#include "cli/option_values.hpp"

#include <array>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct VerifyOptions {
  // --time, --intvl, --probes as given; missing ones come from the running values.
  ValueTexts values;
  bool running = false;
  std::string timeout = "15m";
};

void setup_verify(CLI::App& command, VerifyOptions& options);
int run_verify(Context& context, const VerifyOptions& options);

} // namespace kaltune
