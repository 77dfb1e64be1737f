#pragma once

// The part `set --persist` and `reset [--persist]` share: lock, plan the file and the runtime
// change, then print the plan (--dry-run) or commit it all or nothing, and report.

#include "cli/context.hpp"
#include "core/runtime.hpp"

#include <optional>
#include <string>

namespace kaltune {

struct PersistCommand {
  std::optional<std::string> file; // --file, or kaltune's own file
  bool runtime = true;             // change the running kernel too (not with --no-runtime/--root)
  bool dry_run = false;
  bool remove = false; // reset --persist: remove the keepalive lines instead of setting them
  Request request;     // set: the values asked for; reset: the kernel defaults
};

int run_persist_command(Context& context, const PersistCommand& command);

// Whether the running kernel is left alone: --no-runtime, or implied by --root.
bool runtime_excluded(const GlobalOptions& global, bool no_runtime);

} // namespace kaltune
