#pragma once

#include "config/boot.hpp"
#include "core/persist.hpp"
#include "render/changes.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kaltune {

// What `set --persist` / `reset [--persist]` did to a file, the kernel and the boot view.
struct PersistReport {
  std::optional<ChangeReport> runtime; // absent with --no-runtime (and --root)
  FilePlan plan;
  bool dry_run = false;
  std::optional<BootView> boot;     // after the change (with --dry-run: as it would be)
  KeySet keys{};                    // the keys the command is about
  std::optional<Settings> expected; // reset: boot values kaltune would like (the defaults)
};

// Why `set --persist` refuses: one sentence per problem (the value boot would leave, the source
// that wins, the way out), joined with "; ".
std::string describe_boot_problems(const std::vector<BootProblem>& problems);

// Runtime lines, then the file (its unified diff with --dry-run), then what boot applies.
std::string render_persist(const PersistReport& report, const Style& style);
nlohmann::ordered_json to_json(const PersistReport& report);
// The same as indented text with a final newline: what `--json` prints.
std::string render_json(const PersistReport& report);

} // namespace kaltune
