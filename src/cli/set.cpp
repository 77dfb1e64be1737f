#include "cli/set.hpp"

#include "cli/change.hpp"
#include "cli/non_empty.hpp"
#include "cli/option_values.hpp"
#include "render/netns.hpp"

#include "core/runtime.hpp"
#include "core/validate.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <ostream>

namespace kaltune {

void setup_set(CLI::App& command, SetOptions& options) {
  add_value_options(command, options.values, all_keys, [](Key key) {
    return is_duration(key)
               ? fmt::format("{}: seconds or a duration (90s, 5m, 1h30m); {}", sysctl_name(key),
                             describe_range(key, false))
               : fmt::format("{}: a count; {}", sysctl_name(key), describe_range(key, false));
  });
  command.add_flag("--dry-run", options.dry_run, "Print what would change; write nothing");
  command.add_flag("--force", options.force,
                   "Allow values the kernel accepts but the socket API refuses: time and intvl "
                   "-2147483 to 2147483 s (0 and below, or above 32767), probes 0-255, "
                   "tcp_retries2 0");
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
  add_goal_options(command, options.goals);
}

namespace {
Request parse_request(const SetOptions& options) {
  const Request request = parse_values(options.values, options.force);
  if (std::none_of(request.begin(), request.end(),
                   [](const auto& value) { return value.has_value(); }) &&
      !options.goals.any()) {
    throw Error(ExitStatus::usage,
                "set: give at least one of --time, --intvl, --probes, --retries2, or "
                "goals (--idle-timeout, --detect-within)");
  }
  return request;
}

// set --all-netns: plans every namespace first, refuses when one cannot be reached (all means
// all), then changes them in turn; a refusal puts back those already changed (core/all_netns).
int set_all_netns(Context& context, const Request& request, bool dry_run) {
  if (!context.global.root.is_host()) {
    throw Error(ExitStatus::usage, "--root edits configuration only; --all-netns changes running "
                                   "namespaces and does not go with it");
  }
  NetnsSurvey survey(context.global.where);
  std::vector<NetnsChange> changes;
  const SurveyTally tally = survey.run([&](const NetnsEntry& entry) {
    const Settings after = merge(entry.values, request);
    changes.push_back({entry, after, plan_changes(entry.values, after)});
    return true;
  });
  if (!tally.missing.empty()) {
    const bool denied = std::any_of(tally.missing.begin(), tally.missing.end(), [](const auto& m) {
      return m.error_number == EACCES || m.error_number == EPERM;
    });
    throw Error(denied ? ExitStatus::permission : ExitStatus::system, describe_unreachable(tally));
  }
  warn_outside_api(context, request, merge(kernel_defaults, request));
  if (!dry_run) {
    if (const auto failure = apply_everywhere(changes, inside_netns)) {
      throw Error(ExitStatus::system, describe_failure(*failure, changes));
    }
  }
  context.out << (context.format == Format::json
                      ? render_json(changes, tally, survey.host(), dry_run)
                      : render_netns_changes(changes, dry_run, context.out_style));
  return 0;
}
} // namespace

int run_set(Context& context, const SetOptions& options) {
  // Everything is validated before anything is read or written.
  Request request = parse_request(options);
  if (options.persist) {
    refuse_persist_elsewhere(context, "set");
  }
  if (const auto plan = plan_from_goals(context, "set", options.goals, request)) {
    for (Key key : all_keys) {
      if (plan->sets(key)) {
        request[index_of(key)] = plan->settings[key];
      }
    }
  }
  if (context.global.all_netns) {
    return set_all_netns(context, request, options.dry_run);
  }
  if (!options.persist) {
    return run_runtime_change(context, request, options.dry_run);
  }
  warn_outside_api(context, request, merge(kernel_defaults, request));
  PersistRequest persist = persist_request(context.global, options.file, options.no_runtime);
  persist.values = request;
  return run_persist_command(context, persist, options.dry_run);
}

} // namespace kaltune
