#pragma once

// A command is one row of the table in commands.cpp: its name, its line of help, and the pair of
// functions of its file, `setup_x(CLI::App&, XOptions&)` and `run_x(Context&, const XOptions&)`.
// Cli builds the subcommands, the help and the dispatch from that table alone.

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
  // Declares the command's options on its CLI11 subcommand; the result runs it with their values.
  CommandRun (*setup)(CLI::App& command);
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
