#pragma once

#include "cli/context.hpp"

#include <string>

namespace CLI {
class App;
}

namespace kaltune {

struct DiffOptions {
  std::string a = "running";
  std::string b = "boot";
  std::string format = "unified";
};

void setup_diff(CLI::App& command, DiffOptions& options);
// Exit 0 when the sources are identical, 1 when they differ; errors throw (exit 2-4).
int run_diff(Context& context, const DiffOptions& options);

} // namespace kaltune
