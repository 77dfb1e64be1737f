#include "cli/context.hpp"

#include "base/text.hpp"

#include <ostream>

namespace kaltune {

BootModel Context::boot_model() const {
  return global.boot_model ? *global.boot_model : detect_boot_model(global.root.path());
}

void Context::warn(const std::string& message) const {
  if (!global.quiet) {
    err << err_style.warn("warning: ") << printable(message) << '\n';
  }
}

void Context::info(const std::string& message) const {
  if (global.verbose) {
    err << printable(message) << '\n';
  }
}

} // namespace kaltune
