#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>

#include <array>
#include <optional>
#include <string>

namespace kaltune {

struct SetOptions {
  // The values as given, validated by run_set so every error has kaltune's wording.
  std::array<std::optional<std::string>, 3> values;
  bool dry_run = false;
  bool force = false;
};

void setup_set(CLI::App& app, SetOptions& options);
int run_set(Context& context, const SetOptions& options);

} // namespace kaltune
