// Both appliers' line parsers (config/boot_rules parse_file): what systemd-sysctl and procps make
// of every line of one file, and the key spellings they normalise.

#include "check.hpp"
#include "config/boot_rules.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using kaltune::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string content(reinterpret_cast<const char*>(data), size);
  for (auto model : {kaltune::BootModel::systemd, kaltune::BootModel::procps}) {
    const auto parsed =
        kaltune::parse_file(model, "/etc/sysctl.d/fuzz.conf", "/etc/sysctl.d/fuzz.conf", content);
    std::size_t line = 0;
    for (const auto& directive : parsed.directives) {
      require(directive.line >= line, "directives in the order of their lines");
      line = directive.line;
      require(!(directive.reaches && directive.glob), "a glob reaches no single key");
      (void)directive.origin();
      for (kaltune::Key key : kaltune::all_keys) {
        (void)directive.touches(key);
      }
      const std::string normalized = kaltune::systemd_normalize(directive.key);
      (void)kaltune::systemd_reaches(normalized);
      (void)kaltune::procps_reaches(kaltune::procps_path(directive.key));
    }
  }
  return 0;
}
