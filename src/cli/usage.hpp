#pragma once

// What CLI11 does not say about the command word after a parse: a command missing, unknown (with
// "did you mean"), or followed by arguments nobody takes.

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace kaltune {

// The problem in one line, or nullopt when exactly one known command was given and nothing is
// left over. `app` is the parsed top level; it collects leftovers (allow_extras).
std::optional<std::string> command_problem(const CLI::App& app);

} // namespace kaltune
