#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace kaltune::testing {

// One option of the command line, as CLI11 knows it.
struct ModelOption {
  std::vector<std::string> names; // "-q", "--quiet": every short and long name, with dashes
  // The fixed values: of an IsMember check ({"table", "json"}), or the lower-case words of a
  // type name such as "running|boot|default|FILE".
  std::vector<std::string> choices;
  // What else the value may be, from the type name: "FILE", "PATH" or "DIR"; empty if none.
  std::string file_kind;
  bool takes_value = false;
  bool is_help = false; // -h/--help, which CLI11 adds to every command
};

// The global options (name "") or one command, its options and its positional arguments.
struct ModelCommand {
  std::string name;
  std::string description;
  std::vector<ModelOption> options;
  std::vector<std::string> positionals;
  bool fallthrough = false; // the global options are accepted after this command too
};

// The whole command line: the global scope first, then every command in the order of --help.
// Read from CLI11's own App model, so the man page and completion tests follow the binary.
std::vector<ModelCommand> cli_model(const CLI::App& app);

// The long names ("--source") of a command's options, help included or not.
std::vector<std::string> long_names(const ModelCommand& command, bool with_help);

} // namespace kaltune::testing
