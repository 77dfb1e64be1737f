#pragma once

// A command is one row of the table in commands.cpp: its name, its line of help, what it can do
// (the formats it speaks, whether it takes --all-netns and --output), an example, and the pair of
// functions of its file, `setup_x(CLI::App&, XOptions&)` and `run_x(Context&, const XOptions&)`.
// Cli builds the subcommands, the options the columns stand for, the help and the dispatch from
// that table alone; the completion, man-page and format tests read the same columns.

#include "render/format.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace CLI {
class App;
}

namespace kaltune {

struct Context;

// Runs a command with the option values its setup declared; returns the exit status.
using CommandRun = std::function<int(Context&)>;

struct Command {
  std::string_view name;
  std::string_view help;
  // The formats the command speaks, the default first. `--format` offers all of them but
  // Format::nagios, which is spelled `--nagios`; `--json` is Format::json for every command.
  std::span<const Format> formats;
  // The formats the command speaks with --all-netns (and --where), when it runs once per network
  // namespace; empty when it does not take --all-netns.
  std::span<const Format> all_netns_formats;
  // Takes --output FILE: the output is written there atomically when the command returns.
  bool output = false;
  // The arguments of a typical run (after the command word): shown in the help, and run by the
  // format tests, in a private network namespace, in every format the row lists.
  std::string_view example;
  // Declares the command's options on its CLI11 subcommand; the result runs it with their values.
  CommandRun (*setup)(CLI::App& command) = nullptr;

  bool speaks(Format format) const {
    return std::find(formats.begin(), formats.end(), format) != formats.end();
  }
  bool takes_all_netns() const { return !all_netns_formats.empty(); }
};

// The options struct a run function takes (declared only, for decltype).
template <typename Options> Options options_of(int (*run)(Context&, const Options&));

// Joins a command file's setup and run: the options struct they share lives as long as the
// returned CommandRun, which is as long as CLI11 may write into it.
template <auto setup, auto run> CommandRun bind_command(CLI::App& command) {
  using Options = decltype(options_of(run));
  auto options = std::make_shared<Options>();
  setup(command, *options);
  return [options](Context& context) { return run(context, *options); };
}

// Every command, in the order of --help.
std::span<const Command> commands();

} // namespace kaltune
