#pragma once

#include "cli/context.hpp"
#include "cli/goals.hpp"

#include <CLI/CLI.hpp>

#include <array>
#include <optional>
#include <string>

namespace kaltune {

struct VerifyOptions {
  // --time, --intvl, --probes as given; missing ones come from the running values.
  std::array<std::optional<std::string>, 3> values;
  bool running = false;
  std::string timeout = "15m";
  GoalOptions goals; // measure the values derived from these goals
};

void setup_verify(CLI::App& app, VerifyOptions& options);
int run_verify(Context& context, const VerifyOptions& options);

} // namespace kaltune
