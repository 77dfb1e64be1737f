#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace kaltune::testing {

// The whole content of a file of the source tree; throws when it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

} // namespace kaltune::testing
