#include "cli/enforce.hpp"

#include "base/text.hpp"
#include "cli/non_empty.hpp"
#include "core/enforce.hpp"
#include "core/validate.hpp"
#include "render/enforce.hpp"
#include "render/metrics.hpp"
#include "sys/atomic_file.hpp"
#include "sys/bpf_enforce.hpp"
#include "sys/cgroup.hpp"
#include "sys/lock.hpp"
#include "sys/netns_scan.hpp"
#include "sys/node_facts.hpp"
#include "sys/signals.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <map>
#include <ostream>
#include <sys/utsname.h>
#include <unistd.h>

namespace kaltune {

void setup_enforce(CLI::App& command, EnforceOptions& options) {
  command
      .add_option("--cgroup", options.cgroup,
                  "The cgroup v2 subtree whose connections get keepalive: a path relative to the "
                  "cgroup2 mount (/ is the whole machine, system.slice/nginx.service) or absolute "
                  "under it")
      ->type_name("PATH")
      ->check(non_empty());
  command.add_option("--unit", options.unit, "The cgroup of this systemd unit (nginx.service)")
      ->type_name("NAME")
      ->check(non_empty());
  command
      .add_option("--pod", options.pod,
                  "The cgroup of this Kubernetes pod (as --all-netns names pods)")
      ->type_name("NAMESPACE/NAME")
      ->check(non_empty());
  // tcp_retries2 has no socket option: TCP_USER_TIMEOUT (--user-timeout) is its counterpart.
  add_value_options(command, options.values, keepalive_keys, [](Key key) {
    return is_duration(key)
               ? fmt::format("{} set on each connection: seconds or a duration; {}",
                             key == Key::time ? "TCP_KEEPIDLE" : "TCP_KEEPINTVL",
                             describe_range(key, false))
               : fmt::format("TCP_KEEPCNT set on each connection; {}", describe_range(key, false));
  });
  add_goal_options(command, options.goals);
  command.add_flag(
      "--sysctl-values", options.sysctl_values,
      "Only turn SO_KEEPALIVE on: each network namespace's sysctls decide the timings");
  command
      .add_option("--user-timeout", options.user_timeout,
                  "Also set TCP_USER_TIMEOUT: auto (time + intvl × probes) or a duration; the "
                  "kernel then also ends a probed idle connection by that time")
      ->type_name("auto|DURATION")
      ->check(non_empty());
  command.add_flag("--existing", options.existing,
                   "Also give the values to the connections already established in the subtree");
  command.add_flag("--override", options.override_choice,
                   "Also where the connection's program set SO_KEEPALIVE or TCP_KEEP* itself");
  command.add_flag("--dry-run", options.dry_run,
                   "Say what would be attached (the kernel checks the program); attach nothing");
  command.add_flag("--persist", options.persist,
                   "Keep it across reboots (/etc/kaltune/enforce.conf, applied at boot by "
                   "kaltune-enforce.service)");
  command.add_flag("--off", options.off, "Detach kaltune's program from the cgroup");
  command.add_flag("--list", options.list,
                   "List the cgroups with keepalive enforced, their values and counters");
  command.add_flag("--apply-persisted", options.apply_persisted,
                   "Attach what /etc/kaltune/enforce.conf holds (all of it, or the --cgroup or "
                   "--unit given); what kaltune-enforce.service runs at boot");
}

namespace {
std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

bool any_value(const EnforceOptions& options) {
  return std::any_of(options.values.begin(), options.values.end(),
                     [](const auto& value) { return value.has_value(); }) ||
         options.goals.any();
}

// The three values from --time/--intvl/--probes or the goals; nullopt for --sysctl-values.
std::optional<Settings> requested_settings(Context& context, const EnforceOptions& options) {
  if (options.sysctl_values) {
    return std::nullopt;
  }
  Request request = parse_values(options.values, false);
  if (const auto plan =
          plan_from_goals(context, "enforce", options.goals, request, /*sysctls=*/false)) {
    for (Key key : keepalive_keys) {
      request[index_of(key)] = plan->settings[key];
    }
  }
  Settings settings;
  for (Key key : keepalive_keys) {
    if (!request[index_of(key)]) {
      throw Error(ExitStatus::usage,
                  fmt::format("enforce: --{} is missing: give all three of --time, --intvl, "
                              "--probes (or goals such as --idle-timeout), or --sysctl-values",
                              short_name(key)));
    }
    settings[key] = *request[index_of(key)];
  }
  return settings;
}

// Validates the command line before anything is read: nullopt values mean --off.
std::optional<EnforcedValues> parse_request(Context& context, const EnforceOptions& options) {
  const int targets = (options.cgroup ? 1 : 0) + (options.unit ? 1 : 0) + (options.pod ? 1 : 0);
  if (targets != 1) {
    throw Error(ExitStatus::usage, targets == 0
                                       ? "enforce: choose the cgroup: --cgroup PATH, --unit NAME "
                                         "or --pod NAMESPACE/NAME (or --list)"
                                       : "enforce: give only one of --cgroup, --unit, --pod");
  }
  if (options.off) {
    if (any_value(options) || options.sysctl_values || options.user_timeout || options.existing ||
        options.override_choice) {
      throw Error(ExitStatus::usage, "enforce --off takes no values, --user-timeout, --existing "
                                     "or --override");
    }
    return std::nullopt;
  }
  if (options.sysctl_values == any_value(options)) {
    throw Error(ExitStatus::usage,
                options.sysctl_values
                    ? "enforce: --sysctl-values leaves the timings to each namespace's sysctls; "
                      "give either it or values, not both"
                    : "enforce: choose the values: --time D --intvl D --probes N, goals "
                      "(--idle-timeout, --detect-within), or --sysctl-values (only SO_KEEPALIVE; "
                      "the sysctls decide)");
  }
  UserTimeout timeout;
  if (options.user_timeout) {
    auto parsed = parse_user_timeout(*options.user_timeout);
    if (!parsed) {
      throw Error(ExitStatus::usage, parsed.error());
    }
    timeout = *parsed;
  }
  auto values =
      enforced_values(requested_settings(context, options), timeout, options.override_choice);
  if (!values) {
    throw Error(ExitStatus::usage, values.error());
  }
  return *values;
}

// The cgroup the options name, checked to be a cgroup v2 directory.
struct Target {
  std::string cgroup; // relative to the mount
  CgroupDir dir;
  std::optional<std::string> unit;
};

Target resolve_target(const EnforceOptions& options) {
  const std::filesystem::path mount = cgroup2_mount();
  Target target;
  std::string given;
  if (options.cgroup) {
    given = *options.cgroup;
    // "/" (or "//"): the root of the cgroup2 mount, the whole machine — not the directory "/",
    // which is another filesystem.
    const bool whole_machine = !given.empty() && given.find_first_not_of('/') == std::string::npos;
    if (!whole_machine && given.front() == '/') {
      if (auto reason = foreign_directory(given, mount)) {
        throw Error(ExitStatus::system, *reason);
      }
    }
  } else if (options.unit) {
    const auto found = find_unit_cgroups(mount, *options.unit);
    if (found.empty()) {
      throw Error(ExitStatus::system, fmt::format("no cgroup of unit {} under {} (is it running?)",
                                                  printable(*options.unit), mount.string()));
    }
    if (found.size() > 1) {
      throw Error(ExitStatus::usage,
                  fmt::format("unit {} names {} cgroups ({}, …): give --cgroup PATH",
                              printable(*options.unit), found.size(), printable(found.front())));
    }
    given = found.front();
    target.unit = *options.unit;
  } else {
    const auto pod = parse_pod(*options.pod);
    if (!pod) {
      throw Error(ExitStatus::usage, pod.error());
    }
    const NetnsScan scan = scan_netns();
    RealNodeFacts facts;
    const auto found = pod_cgroup(*pod, scan.namespaces, facts);
    if (!found) {
      throw Error(ExitStatus::system,
                  fmt::format("no pod {} on this node: no network namespace whose runtime names "
                              "it with a cgroup v2 path naming its UID (kaltune --all-netns show "
                              "lists the pods it sees)",
                              printable(*options.pod)));
    }
    given = *found;
  }
  auto relative = cgroup_relative_path(given, mount.string());
  if (!relative) {
    throw Error(ExitStatus::usage, relative.error());
  }
  target.cgroup = *relative;
  target.dir = open_cgroup_dir(*relative == "/" ? mount : mount / *relative);
  return target;
}

void check_kernel(bool override_choice) {
  utsname name{};
  ::uname(&name);
  const bool btf = ::access("/sys/kernel/btf/vmlinux", R_OK) == 0;
  if (auto refusal = kernel_refusal(name.release, btf, override_choice)) {
    throw Error(ExitStatus::system, *refusal);
  }
}

// The persisted enforcements and the file's state (for an atomic rewrite or a restore).
struct Persisted {
  FileState file;
  std::vector<PersistedEnforcement> entries;
};

Persisted read_persisted(Posix& posix) {
  Persisted persisted;
  persisted.file = read_file_state(posix, enforce_config_file);
  if (persisted.file.exists) {
    auto entries = parse_enforce_config(persisted.file.content, enforce_config_file);
    if (!entries) {
      throw Error(ExitStatus::system, entries.error());
    }
    persisted.entries = std::move(*entries);
  }
  return persisted;
}

// Writes the entries (creating /etc/kaltune when needed); false when nothing changes.
bool write_persisted(Posix& posix, const Persisted& persisted,
                     const std::vector<PersistedEnforcement>& entries) {
  const std::string text = render_enforce_config(entries);
  if (persisted.file.exists && persisted.file.content == text) {
    return false;
  }
  const std::filesystem::path path = enforce_config_file;
  create_directory(posix, path.parent_path(), 0755, path.parent_path().string());
  write_atomically(posix, path, text, persisted.file);
  return true;
}

// The path of this binary, for the unit drop-in's ExecStartPre=.
std::string own_binary() {
  std::error_code error;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("/usr/sbin/kaltune") : path.string();
}

// Writes (values) or removes (--off) the unit's drop-in; whether anything changed.
bool write_dropin(Posix& posix, const std::string& unit, const std::string& text,
                  const std::optional<EnforcedValues>& values) {
  const std::filesystem::path path = unit_dropin_path(unit);
  const FileState state = read_file_state(posix, path);
  if (!values) {
    if (!state.exists) {
      return false;
    }
    remove_durably(posix, path, state);
    return true;
  }
  if (state.exists && state.content == text) {
    return false;
  }
  create_directory(posix, path.parent_path(), 0755, path.parent_path().string());
  write_atomically(posix, path, text, state);
  return true;
}

// One cgroup: the plan, then the kernel's check (dry run) or the change, and --existing.
EnforceReport enforce_one(CgroupEnforcer& enforcer, const Target& target,
                          const std::optional<EnforcedValues>& values, bool dry_run,
                          bool existing) {
  EnforceReport report;
  report.dry_run = dry_run;
  report.unit = target.unit;
  report.cgroup_dir = target.dir.path.string();
  report.plan = plan_enforce(target.cgroup, target.dir.id, values, enforcer.list(), unix_now());
  if (dry_run) {
    if (values && report.plan.action != EnforceAction::unchanged) {
      enforcer.check_load(report.plan.program);
    }
    return report;
  }
  const DeferSignals defer; // Ctrl-C cannot leave half a change
  execute_enforce(enforcer, report.plan, target.dir.path);
  if (existing && values) {
    report.existing = give_existing(subtree_processes(target.dir.path), *values);
  }
  return report;
}

void print_report(Context& context, const EnforceReport& report) {
  if (context.format == Format::json) {
    context.out << render_json(report);
  } else {
    context.out << render_enforce(report, context.out_style);
  }
}

void take_lock(Context& context, Posix& posix, std::optional<FileLock>& lock) {
  const std::filesystem::path lock_path = lock_file_path();
  lock.emplace(posix, lock_path, [&context, &lock_path](pid_t holder) {
    context.warn(
        fmt::format("waiting for {} to release {}", describe_holder(holder), lock_path.string()));
  });
}

// kaltune-enforce.service at boot, and a unit's ExecStartPre: every persisted cgroup (or the one
// named) attached as persisted. A cgroup that does not exist (yet) is said and skipped.
int run_apply_persisted(Context& context, const EnforceOptions& options) {
  Posix posix;
  std::optional<FileLock> lock;
  take_lock(context, posix, lock);
  const Persisted persisted = read_persisted(posix);
  std::optional<std::string> only;
  if (options.cgroup || options.unit) {
    only = resolve_target(options).cgroup;
  }
  const std::filesystem::path mount = cgroup2_mount();
  BpfEnforcer enforcer;
  int status = 0;
  for (const PersistedEnforcement& entry : persisted.entries) {
    if (only && entry.cgroup != *only) {
      continue;
    }
    try {
      check_kernel(entry.values.override_choice);
      Target target;
      target.cgroup = entry.cgroup;
      const std::filesystem::path dir = entry.cgroup == "/" ? mount : mount / entry.cgroup;
      if (::access(dir.c_str(), F_OK) != 0 && errno == ENOENT) {
        context.warn(fmt::format("cgroup {} does not exist (yet): not attached", entry.cgroup));
        continue;
      }
      target.dir = open_cgroup_dir(dir);
      EnforceReport report = enforce_one(enforcer, target, entry.values, false, false);
      report.persisted = true;
      print_report(context, report);
    } catch (const Error& error) {
      context.warn(fmt::format("cgroup {}: {}", entry.cgroup, error.what()));
      status = static_cast<int>(ExitStatus::system);
    }
  }
  return status;
}

int run_list(Context& context) {
  Posix posix;
  BpfEnforcer enforcer;
  const std::vector<PinnedAttachment> pinned = enforcer.list();
  // Where each pinned cgroup's directory is now: a unit that restarted has a new one.
  std::map<std::string, std::uint64_t> current_ids;
  std::optional<std::filesystem::path> mount;
  for (const PinnedAttachment& attachment : pinned) {
    if (attachment.program) {
      if (!mount) {
        mount = cgroup2_mount();
      }
      const std::string& cgroup = attachment.program->cgroup;
      current_ids[cgroup] = cgroup_id(cgroup == "/" ? *mount : *mount / cgroup);
    }
  }
  const auto rows = list_enforcements(pinned, read_persisted(posix).entries, current_ids);
  if (context.format == Format::json) {
    context.out << render_json(rows);
  } else if (context.format == Format::prometheus) {
    context.out << render_metrics(enforce_metrics(rows));
  } else {
    context.out << render_enforce_list(rows, unix_now(), context.out_style);
  }
  return 0;
}
} // namespace

int run_enforce(Context& context, const EnforceOptions& options) {
  if (!context.global.root.is_host()) {
    throw Error(ExitStatus::usage, "enforce acts on the running kernel: --root is not for it");
  }
  if (options.list) {
    if (options.cgroup || options.unit || options.pod || options.off || any_value(options) ||
        options.sysctl_values || options.persist || options.dry_run || options.apply_persisted) {
      throw Error(ExitStatus::usage, "enforce --list takes only --format and --output");
    }
    return run_list(context);
  }
  if (context.format == Format::prometheus) {
    throw Error(ExitStatus::usage,
                "enforce: --format prometheus is for --list (the attachments and their counters)");
  }
  if (options.apply_persisted) {
    if (options.pod || options.off || any_value(options) || options.sysctl_values ||
        options.persist || options.dry_run || options.existing || options.user_timeout ||
        options.override_choice) {
      throw Error(ExitStatus::usage,
                  "enforce --apply-persisted takes only --cgroup or --unit (the values are the "
                  "persisted ones)");
    }
    return run_apply_persisted(context, options);
  }
  const std::optional<EnforcedValues> values = parse_request(context, options);
  const Target target = resolve_target(options);
  if (values) {
    check_kernel(values->override_choice);
  }
  Posix posix;
  std::optional<FileLock> lock;
  if (!options.dry_run) {
    take_lock(context, posix, lock);
  }
  BpfEnforcer enforcer;
  std::optional<Persisted> persisted;
  bool wrote = false;
  std::optional<std::string> dropin;
  if (options.persist && target.unit) {
    auto text = unit_dropin(*target.unit, own_binary());
    if (!text) {
      throw Error(ExitStatus::usage, text.error());
    }
    dropin = *text;
  }
  if (options.persist) {
    persisted = read_persisted(posix);
    if (!options.dry_run) {
      // The file first: if the kernel then refuses, it is put back, and nothing has changed.
      wrote = write_persisted(posix, *persisted,
                              with_persisted(persisted->entries, target.cgroup, values));
    }
  }
  EnforceReport report;
  try {
    report = enforce_one(enforcer, target, values, options.dry_run, options.existing);
    if (dropin && !options.dry_run && write_dropin(posix, *target.unit, *dropin, values)) {
      context.warn("run systemctl daemon-reload for systemd to read " +
                   unit_dropin_path(*target.unit));
    }
  } catch (...) {
    if (wrote) {
      restore_file(posix, enforce_config_file, persisted->file);
    }
    throw;
  }
  report.persisted = options.persist;
  print_report(context, report);
  return 0;
}

} // namespace kaltune
