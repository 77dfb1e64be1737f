#include "cli/context.hpp"

#include <ostream>

namespace kaltune {

void Context::warn(const std::string& message) const {
  if (!global.quiet) {
    err << err_style.warn("warning: ") << message << '\n';
  }
}

void Context::info(const std::string& message) const {
  if (global.verbose) {
    err << message << '\n';
  }
}

} // namespace kaltune
