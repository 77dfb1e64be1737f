#include "cli/change.hpp"

#include "core/persist.hpp"
#include "render/changes.hpp"
#include "render/persist.hpp"
#include "sys/atomic_file.hpp"
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

void warn_outside_api(const Context& context, const Request& request, const Settings& target) {
  for (const Warning& warning : assess(target)) {
    if (request[index_of(warning.key)]) {
      context.warn(warning.message);
    }
  }
}

int run_runtime_change(Context& context, const Request& request, bool dry_run) {
  // --root names an image or a staging tree: its running kernel is not this one.
  if (!context.global.root.is_host()) {
    throw Error(ExitStatus::usage,
                fmt::format("--root {} edits configuration only; add --persist (the running "
                            "kernel is never changed under --root)",
                            context.global.root.string()));
  }
  const Settings current = read_running(context.proc);
  const Settings target = merge(current, request);
  const auto changes = plan_changes(current, target);
  warn_outside_api(context, request, target);
  if (!dry_run) {
    const DeferSignals defer; // Ctrl-C cannot leave half a change
    apply_changes(context.proc, changes);
  }
  const ChangeReport report{current, target, changes, dry_run};
  if (context.format == Format::json) {
    context.out << render_json(report);
  } else {
    context.out << render_changes(report, context.out_style);
  }
  return 0;
}

void refuse_persist_elsewhere(const Context& context, std::string_view command) {
  const NetnsTarget& target = context.global.target;
  const char* option = context.global.all_netns ? "--all-netns"
                       : target.netns           ? "--netns"
                       : target.pid             ? "--pid"
                                                : nullptr;
  if (option != nullptr) {
    throw Error(ExitStatus::usage,
                fmt::format("{} {} --persist: a container's keepalive values come from its "
                            "runtime, not from the host's sysctl files; set them in the pod's "
                            "securityContext.sysctls (Kubernetes) or with docker run --sysctl, "
                            "and use --persist without {} for the host",
                            command, option, option));
  }
}

PersistRequest persist_request(const GlobalOptions& global, const std::optional<std::string>& file,
                               bool no_runtime) {
  PersistRequest request;
  request.file = file;
  // --no-runtime, or implied by --root: the running kernel is left alone.
  request.runtime = !no_runtime && global.root.is_host();
  return request;
}

int run_persist_command(Context& context, const PersistRequest& request, bool dry_run) {
  Posix posix;
  const std::filesystem::path root = context.global.root.path();
  std::optional<FileLock> lock;
  if (!dry_run) {
    const std::filesystem::path lock_path = lock_file_path();
    lock.emplace(posix, lock_path, [&context, &lock_path](pid_t holder) {
      context.warn(
          fmt::format("waiting up to {} s for {} to release {}",
                      std::chrono::duration_cast<std::chrono::seconds>(lock_timeout).count(),
                      describe_holder(holder), lock_path.string()));
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
  const BootModel model = context.boot_model();
  std::vector<BootProblem> dry_run_problems;
  if (dry_run) {
    // What boot would apply with the file written, and whether the real run would refuse.
    report.boot = predict_boot(root, model, plan.file);
    dry_run_problems = predicted_problems(*report.boot, plan);
  } else {
    const DeferSignals defer; // Ctrl-C cannot leave half a change
    // A lock file removed while held no longer keeps a second run out: stop before writing.
    if (lock && !lock->still_at_path()) {
      throw Error(ExitStatus::system,
                  fmt::format("{} was removed while kaltune held it, so another run may hold a "
                              "new one: nothing was changed",
                              lock_file_path().string()));
    }
    // Holding the lock: temp files of runs killed with SIGKILL are no one's any more.
    for (const std::string& name : remove_stale_temps(posix, plan.file.host)) {
      context.warn(fmt::format("removed {}, left by a kaltune run that was killed", name));
    }
    report.boot = commit_persist(posix, context.proc, root, model, plan, describe_boot_problems);
  }
  if (request.remove) {
    report.expected = kernel_defaults;
    warn_remaining(context, *report.boot, dry_run);
  }
  if (context.format == Format::json) {
    context.out << render_json(report);
  } else {
    context.out << render_persist(report, context.out_style);
  }
  if (!dry_run_problems.empty()) {
    throw Error(ExitStatus::system,
                fmt::format("{}; the real run would fail (dry run: nothing was written)",
                            describe_boot_problems(dry_run_problems)));
  }
  return 0;
}

} // namespace kaltune
