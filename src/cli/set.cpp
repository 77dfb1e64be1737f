#include "cli/set.hpp"

#include "cli/non_empty.hpp"
#include "cli/option_values.hpp"
#include "cli/persisting.hpp"
#include "sys/signals.hpp"

#include "core/runtime.hpp"
#include "core/validate.hpp"
#include "render/changes.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace kaltune {

void setup_set(CLI::App& command, SetOptions& options) {
  add_value_options(command, options.values, [](Key key) {
    return is_duration(key)
               ? fmt::format("{}: seconds or a duration (90s, 5m, 1h30m); {}", sysctl_name(key),
                             describe_range(key, false))
               : fmt::format("{}: a count; {}", sysctl_name(key), describe_range(key, false));
  });
  command.add_flag("--dry-run", options.dry_run, "Print what would change; write nothing");
  command.add_flag("--force", options.force,
                   "Allow values the kernel accepts but the socket API refuses: time and intvl "
                   "-2147483 to 2147483 s (0 and below, or above 32767), probes 0-255");
  auto* persist = command.add_flag(
      "--persist", options.persist,
      "Also make boot apply the values: kaltune's own /etc/sysctl.d/99-kaltune.conf, or --file");
  command
      .add_option("--file", options.file,
                  "With --persist: edit this existing file in place (e.g. /etc/sysctl.conf)")
      ->type_name("PATH")
      ->check(non_empty())
      ->needs(persist);
  command
      .add_flag("--no-runtime", options.no_runtime,
                "With --persist: change only the file, not the running kernel (implied by --root)")
      ->needs(persist);
}

namespace {
Request parse_request(const SetOptions& options) {
  const Request request = parse_values(options.values, options.force);
  if (std::none_of(request.begin(), request.end(),
                   [](const auto& value) { return value.has_value(); })) {
    throw Error(ExitStatus::usage, "set: give at least one of --time, --intvl, --probes");
  }
  return request;
}
} // namespace

int run_set(Context& context, const SetOptions& options) {
  // Everything is validated before anything is read or written.
  const Request request = parse_request(options);
  if (!options.persist) {
    return run_runtime_change(context, request, options.dry_run);
  }
  for (Key key : all_keys) {
    if (request[index_of(key)]) {
      if (auto warning = assess(key, *request[index_of(key)])) {
        context.warn(warning->message);
      }
    }
  }
  PersistRequest persist = persist_request(context.global, options.file, options.no_runtime);
  persist.values = request;
  return run_persist_command(context, persist, options.dry_run);
}

int run_runtime_change(Context& context, const Request& request, bool dry_run) {
  // --root names an image or a staging tree: its running kernel is not this one.
  if (context.global.root != "/") {
    throw Error(ExitStatus::usage,
                fmt::format("--root {} edits configuration only; add --persist (the running "
                            "kernel is never changed under --root)",
                            context.global.root));
  }
  const Settings current = read_running(context.proc);
  const Settings target = merge(current, request);
  const auto changes = plan_changes(current, target);
  for (const Warning& warning : assess(target)) {
    if (request[index_of(warning.key)]) {
      context.warn(warning.message);
    }
  }
  if (!dry_run) {
    const DeferSignals defer; // Ctrl-C cannot leave half a change
    apply_changes(context.proc, changes);
  }
  const ChangeReport report{current, target, changes, dry_run};
  if (context.global.json) {
    context.out << render_json(report);
  } else {
    context.out << render_changes(report, context.out_style);
  }
  return 0;
}

} // namespace kaltune
