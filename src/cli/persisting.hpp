#pragma once

// The part `set --persist` and `reset [--persist]` share: lock, plan the file and the runtime
// change, then print the plan (--dry-run) or commit it all or nothing, and report.

#include "cli/context.hpp"
#include "core/persist.hpp"

#include <optional>
#include <string>

namespace kaltune {

// The request `set --persist` and `reset --persist` share, built from their common options (the
// caller adds the values, or `remove`).
PersistRequest persist_request(const GlobalOptions& global, const std::optional<std::string>& file,
                               bool no_runtime);

// Locks (unless `dry_run`), plans (core/persist plan_persist), then prints the plan and the
// predicted boot view (--dry-run) or commits it all or nothing (commit_persist), and reports.
int run_persist_command(Context& context, const PersistRequest& request, bool dry_run);

// Whether the running kernel is left alone: --no-runtime, or implied by --root.
bool runtime_excluded(const GlobalOptions& global, bool no_runtime);

} // namespace kaltune
