#include "cli/persisting.hpp"

#include "cli/show.hpp"
#include "core/persist.hpp"
#include "render/persist.hpp"
#include "sys/lock.hpp"
#include "sys/signals.hpp"

#include <fmt/format.h>
#include <ostream>

namespace kaltune {

namespace {
// After reset --persist: boot values that still differ from the defaults, and who sets them.
void warn_remaining(Context& context, const BootView& view, bool dry_run) {
  for (Key key : all_keys) {
    if (view.settings[key].value != kernel_defaults[key]) {
      context.warn(fmt::format("boot {} {} = {} from {} (not the kernel default {})",
                               dry_run ? "would still apply" : "will still apply", sysctl_name(key),
                               view.settings[key].value, view.settings[key].origin,
                               kernel_defaults[key]));
    }
  }
}
} // namespace

bool runtime_excluded(const GlobalOptions& global, bool no_runtime) {
  return no_runtime || global.root != "/";
}

PersistRequest persist_request(const GlobalOptions& global, const std::optional<std::string>& file,
                               bool no_runtime) {
  PersistRequest request;
  request.file = file;
  request.runtime = !runtime_excluded(global, no_runtime);
  return request;
}

int run_persist_command(Context& context, const PersistRequest& request, bool dry_run) {
  Posix posix;
  const std::filesystem::path root = context.global.root;
  std::optional<FileLock> lock;
  if (!dry_run) {
    const std::filesystem::path lock_path = lock_file_path();
    lock.emplace(posix, lock_path, [&context, &lock_path](pid_t holder) {
      context.warn(fmt::format(
          "waiting up to {} s for another kaltune run{} to release {}",
          std::chrono::duration_cast<std::chrono::seconds>(lock_timeout).count(),
          holder > 0 ? fmt::format(" (pid {})", holder) : std::string(), lock_path.string()));
    });
  }
  const PersistPlan plan = plan_persist(posix, context.proc, root, request);
  for (const std::string& note : plan.file.notes) {
    context.warn(note);
  }
  PersistReport report;
  report.dry_run = dry_run;
  report.keys = plan.keys;
  report.plan = plan.file;
  if (plan.runtime) {
    report.runtime =
        ChangeReport{plan.runtime->current, plan.runtime->target, plan.runtime->changes, dry_run};
  }
  const BootModel model = boot_model(context.global);
  std::optional<std::string> dry_run_problem;
  if (dry_run) {
    // What boot would apply with the file written, and whether the real run would refuse.
    report.boot = predict_boot(root, model, plan.file);
    dry_run_problem = predicted_problem(*report.boot, plan);
  } else {
    const DeferSignals defer; // Ctrl-C cannot leave half a change
    report.boot = commit_persist(posix, context.proc, root, model, plan);
  }
  if (request.remove) {
    report.expected = kernel_defaults;
    warn_remaining(context, *report.boot, dry_run);
  }
  if (context.global.json) {
    context.out << render_json(report);
  } else {
    context.out << render_persist(report, context.out_style);
  }
  if (dry_run_problem) {
    throw Error(ExitStatus::system,
                fmt::format("{}; the real run would fail (dry run: nothing was written)",
                            *dry_run_problem));
  }
  return 0;
}

} // namespace kaltune
