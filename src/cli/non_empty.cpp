#include "cli/non_empty.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace kaltune {

CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string& value) { return value.empty() ? std::string("must not be empty") : ""; }, "",
      "NON_EMPTY");
}

} // namespace kaltune
