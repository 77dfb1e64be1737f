#pragma once

// What the commands that change values share (`set`, `reset`; `set --all-netns` warns the same
// way): the running kernel's change (plan, warn, write all or nothing, report), and the persisting
// one (lock, plan the file and the runtime change, then print the plan (--dry-run) or commit it
// all or nothing, and report).

#include "cli/context.hpp"
#include "core/persist.hpp"
#include "core/runtime.hpp"

#include <optional>
#include <string>

namespace kaltune {

// The one warning for requested values outside what the socket API accepts: a line per key the
// request names whose value in `target` is outside it.
void warn_outside_api(const Context& context, const Request& request, const Settings& target);

// Changes the running kernel only (set without --persist, reset without --persist): plan, warn
// about requested values outside the socket API, write all or nothing, report.
int run_runtime_change(Context& context, const Request& request, bool dry_run);

// --persist writes the host's boot configuration: refused (usage error) with --all-netns, --netns
// or --pid, whose namespaces get their values from their runtime, not from the host's files.
void refuse_persist_elsewhere(const Context& context, std::string_view command);

// The request `set --persist` and `reset --persist` share, built from their common options (the
// caller adds the values, or `remove`).
PersistRequest persist_request(const GlobalOptions& global, const std::optional<std::string>& file,
                               bool no_runtime);

// Locks (unless `dry_run`), plans (core/persist plan_persist), then prints the plan and the
// predicted boot view (--dry-run) or commits it all or nothing (commit_persist), and reports.
int run_persist_command(Context& context, const PersistRequest& request, bool dry_run);

} // namespace kaltune
