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

BootModel boot_model(const GlobalOptions& global) {
  if (global.boot_model == "systemd") {
    return BootModel::systemd;
  }
  if (global.boot_model == "procps") {
    return BootModel::procps;
  }
  return detect_boot_model(global.root);
}

} // namespace kaltune
