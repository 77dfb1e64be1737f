#include "cli/reset.hpp"

#include "cli/change.hpp"
#include "cli/non_empty.hpp"

#include <CLI/CLI.hpp>

namespace kaltune {

void setup_reset(CLI::App& command, ResetOptions& options) {
  auto* persist = command.add_flag(
      "--persist", options.persist,
      "Also remove kaltune's own /etc/sysctl.d/99-kaltune.conf (or, with --file, the lines of "
      "that file that set kaltune's keys) and report what boot applies afterwards");
  command
      .add_option("--file", options.file,
                  "With --persist: remove the lines of kaltune's keys (tcp_keepalive_*, "
                  "tcp_retries2) from this file instead")
      ->type_name("PATH")
      ->check(non_empty())
      ->needs(persist);
  command
      .add_flag("--no-runtime", options.no_runtime,
                "With --persist: change only the file, not the running kernel (implied by --root)")
      ->needs(persist);
  command.add_flag("--dry-run", options.dry_run, "Print what would change; write nothing");
}

int run_reset(Context& context, const ResetOptions& options) {
  Request defaults;
  for (Key key : all_keys) {
    defaults[index_of(key)] = kernel_defaults[key];
  }
  if (!options.persist) {
    return run_runtime_change(context, defaults, options.dry_run);
  }
  refuse_persist_elsewhere(context, "reset");
  PersistRequest persist = persist_request(context.global, options.file, options.no_runtime);
  persist.remove = true;
  persist.values = defaults;
  return run_persist_command(context, persist, options.dry_run);
}

} // namespace kaltune
