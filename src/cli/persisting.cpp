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
KeySet keys_of(const Request& request) {
  KeySet keys{};
  for (Key key : all_keys) {
    keys[index_of(key)] = request[index_of(key)].has_value();
  }
  return keys;
}

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

int run_persist_command(Context& context, const PersistCommand& command) {
  Posix posix;
  const std::filesystem::path root = context.global.root;
  std::optional<FileLock> lock;
  if (!command.dry_run) {
    const std::filesystem::path lock_path = lock_file_path();
    lock.emplace(posix, lock_path, [&context, &lock_path](pid_t holder) {
      context.warn(fmt::format(
          "waiting up to {} s for another kaltune run{} to release {}",
          std::chrono::duration_cast<std::chrono::seconds>(lock_timeout).count(),
          holder > 0 ? fmt::format(" (pid {})", holder) : std::string(), lock_path.string()));
    });
  }
  PersistReport report;
  report.dry_run = command.dry_run;
  report.keys = command.remove ? KeySet{true, true, true} : keys_of(command.request);
  if (command.runtime) {
    const Settings current = read_running(context.proc);
    const Settings target = merge(current, command.request);
    report.runtime = ChangeReport{current, target, plan_changes(current, target), command.dry_run};
  }
  report.plan = command.remove ? plan_remove(posix, root, command.file)
                               : plan_set(posix, root, command.file, command.request);
  for (const std::string& note : report.plan.notes) {
    context.warn(note);
  }
  const BootModel model = boot_model(context.global);
  std::optional<std::string> dry_run_problem;
  if (command.dry_run) {
    // What boot would apply with the file written, and whether the real run would refuse.
    report.boot = predict_boot(root, model, report.plan);
    if (!command.remove) {
      dry_run_problem = boot_problem(*report.boot, command.request, report.plan);
    }
  } else {
    PersistStep step;
    step.plan = report.plan;
    step.predict_boot = [&](const FilePlan& plan) { return predict_boot(root, model, plan); };
    step.resolve_boot = [&] { return resolve_boot(root, model); };
    if (!command.remove) {
      step.wanted = command.request;
    }
    step.proc = command.runtime ? &context.proc : nullptr;
    if (report.runtime) {
      step.runtime_changes = report.runtime->changes;
    }
    const DeferSignals defer; // Ctrl-C cannot leave half a change
    report.boot = commit_persist(posix, step);
  }
  if (command.remove) {
    report.expected = kernel_defaults;
    warn_remaining(context, *report.boot, command.dry_run);
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
