#pragma once

// What the boot-time applier will set for the three keys (the "boot" source). Interface agreed
// between the resolver (issue 3, boot view) and its users (persist, reset, diff); the
// implementation lives in boot.cpp.

#include "core/keepalive.hpp"
#include "core/source.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// systemd-sysctl as in systemd 252, or procps `sysctl --system` as in procps 4.0.2.
enum class BootModel { systemd, procps };
std::string_view to_string(BootModel model);
// auto: systemd when systemd-sysctl exists under `root`, else procps.
BootModel detect_boot_model(const std::filesystem::path& root);

// One assignment of one of the three keys in a configuration file, in application order.
struct BootAssignment {
  Key key = Key::time;
  std::string file; // as the system sees it (no --root prefix), e.g. /etc/sysctl.d/99-kaltune.conf
  std::size_t line = 0;
  std::string text;                  // the value as written
  std::optional<std::int64_t> value; // what the kernel stores; nullopt when it rejects the text
  bool winner = false;               // the assignment boot leaves in place
  std::vector<std::string> notes;    // "the kernel reads 0300 as octal: 192", …
  std::string origin() const;        // "file:line"
};

struct BootView {
  BootModel model = BootModel::systemd;
  SourcedSettings settings; // source "boot"; origins "file:line" or "kernel default"
  std::vector<BootAssignment> assignments;
  std::vector<std::string> warnings; // "file:line: what", for lines ignored or rejected
};

// Resolves the boot view of the configuration under `root` ("/" for the live system). Symlinks
// are resolved inside `root` and never escape it. Throws Error on I/O failures.
BootView resolve_boot(const std::filesystem::path& root, BootModel model);

} // namespace kaltune
