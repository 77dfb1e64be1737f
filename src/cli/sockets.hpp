#pragma once

#include "cli/context.hpp"

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace kaltune {

struct SocketsOptions {
  bool processes = false;
  std::vector<std::string> states; // none given: the connected states, as `ss` lists them
  std::optional<int> port;
  std::string family = "all";
  // --filter KEY=VALUE (DESIGN.md's contract): state=…, port=…, family=…, the same as the options.
  std::vector<std::string> filters;
};

void setup_sockets(CLI::App& command, SocketsOptions& options);
int run_sockets(Context& context, const SocketsOptions& options);

} // namespace kaltune
