#pragma once

#include <iosfwd>
#include <memory>

namespace CLI {
class App;
}

namespace kaltune {

// The whole command line: the CLI11 model built from the command table (commands.cpp) and the
// global options. Tests walk `app()` to check that the man page and the completions know every
// command and option.
class Cli {
public:
  Cli();
  ~Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  // The model with every command's options declared.
  CLI::App& app();

  // Parses argv and runs the command; returns the exit status. This is the single place where an
  // error becomes a message on `err` and an exit status. It builds only the global options and
  // commands the line spells, with only the chosen command's options, unless app() was called;
  // a line those parts do not parse cleanly is answered by the whole model.
  int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

private:
  struct State;
  std::unique_ptr<State> state_;
};

// The exit-status table printed by --help and documented in the man page.
const char* exit_status_help();

} // namespace kaltune
