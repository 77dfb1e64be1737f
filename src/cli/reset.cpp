#include "cli/reset.hpp"

#include "cli/persisting.hpp"
#include "cli/set.hpp"

namespace kaltune {

void setup_reset(CLI::App& app, ResetOptions& options) {
  auto* reset = app.add_subcommand(
      "reset", "Write the kernel defaults 7200/75/9 now (all or nothing); with --persist also "
               "remove what kaltune persisted");
  auto* persist = reset->add_flag(
      "--persist", options.persist,
      "Also remove kaltune's own /etc/sysctl.d/99-kaltune.conf (or, with --file, the keepalive "
      "lines of that file) and report what boot applies afterwards");
  reset
      ->add_option_function<std::string>(
          "--file", [&options](const std::string& value) { options.file = value; },
          "With --persist: remove the keepalive lines from this file instead")
      ->type_name("PATH")
      ->needs(persist);
  reset
      ->add_flag("--no-runtime", options.no_runtime,
                 "With --persist: change only the file, not the running kernel (implied by --root)")
      ->needs(persist);
  reset->add_flag("--dry-run", options.dry_run, "Print what would change; write nothing");
}

int run_reset(Context& context, const ResetOptions& options) {
  Request defaults;
  for (Key key : all_keys) {
    defaults[index_of(key)] = kernel_defaults[key];
  }
  if (!options.persist) {
    return run_runtime_change(context, defaults, options.dry_run);
  }
  PersistRequest persist = persist_request(context.global, options.file, options.no_runtime);
  persist.remove = true;
  persist.values = defaults;
  return run_persist_command(context, persist, options.dry_run);
}

} // namespace kaltune
