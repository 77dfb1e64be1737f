// PLACEHOLDER until branch `boot` is merged: its boot.cpp replaces this file.
#include "config/boot.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

namespace kaltune {

std::string_view to_string(BootModel model) {
  return model == BootModel::systemd ? "systemd" : "procps";
}

BootModel detect_boot_model(const std::filesystem::path& root) {
  std::error_code ignored;
  return std::filesystem::exists(root / "lib/systemd/systemd-sysctl", ignored) ||
                 std::filesystem::exists(root / "usr/lib/systemd/systemd-sysctl", ignored)
             ? BootModel::systemd
             : BootModel::procps;
}

std::string BootAssignment::origin() const {
  return fmt::format("{}:{}", file, line);
}

BootView resolve_boot(const std::filesystem::path&, BootModel) {
  throw Error(ExitStatus::system, "the boot view is not implemented yet");
}

} // namespace kaltune
