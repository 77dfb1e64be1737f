// Prints the CLI model for the shell-driven completion tests (tests/completion/*.sh), one line
// per command and option:
//   command NAME                       (NAME "-" is the global scope)
//   option NAME TAKES_VALUE NAMES…     (TAKES_VALUE 0 or 1; NAMES like "-q --quiet")
//   choices NAME OPTION VALUES…        (the values of an IsMember check)
//   files NAME OPTION KIND             (the value may be a FILE, PATH or DIR)
//   fallthrough NAME                   (the global options are accepted after the command)
//   positional NAME ARG
#include "cli/app.hpp"
#include "cli_model.hpp"

#include <iostream>

int main() {
  kaltune::Cli cli;
  for (const auto& command : kaltune::testing::cli_model(cli.app())) {
    const std::string scope = command.name.empty() ? "-" : command.name;
    std::cout << "command " << scope << '\n';
    for (const auto& option : command.options) {
      std::cout << "option " << scope << ' ' << (option.takes_value ? 1 : 0);
      for (const auto& name : option.names) {
        std::cout << ' ' << name;
      }
      std::cout << '\n';
      if (!option.choices.empty()) {
        std::cout << "choices " << scope << ' ' << option.names.back();
        for (const auto& choice : option.choices) {
          std::cout << ' ' << choice;
        }
        std::cout << '\n';
      }
      if (!option.file_kind.empty()) {
        std::cout << "files " << scope << ' ' << option.names.back() << ' ' << option.file_kind
                  << '\n';
      }
    }
    if (command.fallthrough) {
      std::cout << "fallthrough " << scope << '\n';
    }
    for (const auto& positional : command.positionals) {
      std::cout << "positional " << scope << ' ' << positional << '\n';
    }
  }
  return 0;
}
