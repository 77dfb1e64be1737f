#pragma once

// A validator for string options whose empty value means nothing (`--netns ''`, `--source ''`,
// a path): a usage error (exit 2) with a one-line message, before any code tries to use it.

#include <CLI/CLI.hpp>

#include <string>

namespace kaltune {

inline CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string& value) { return value.empty() ? std::string("must not be empty") : ""; }, "",
      "NON_EMPTY");
}

} // namespace kaltune
