#pragma once

#include "config/boot.hpp"
#include "render/style.hpp"

#include <iosfwd>
#include <string>

namespace kaltune {

// `show --source boot` and `show --source FILE`: the values table (with origins), then every
// assignment of each key in the order the applier reads them, the winner marked with '*'.
// For a FILE, keys it does not assign say so instead of naming an origin.
std::string render_boot_table(const BootView& view, bool single_file, const Style& style);

// sysctl.conf lines; for a FILE, keys it does not set are commented out and say so.
std::string render_boot_sysctl(const BootView& view, bool single_file);

// What `--json` prints, indented, with a final newline: the foundation schema
// (render/settings.hpp to_json) plus "model", "assignments", "files", "steps" (boot only),
// "diagnostics" (every boot warning as "file:line: what") and, for a FILE, "not_assigned".
void write_json(std::ostream& out, const BootView& view, bool single_file);

// "systemd-sysctl (systemd 252)" / "procps sysctl --system (procps 4.0.2)"
std::string describe_model(BootModel model);

} // namespace kaltune
