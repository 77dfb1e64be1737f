#include "cli/check.hpp"

#include "cli/decimal.hpp"
#include "cli/goals.hpp"
#include "cli/option_values.hpp"
#include "cli/targets.hpp"
#include "config/boot.hpp"
#include "core/policy.hpp"
#include "core/presets.hpp"
#include "core/runtime.hpp"
#include "core/sockets.hpp"
#include "render/metrics.hpp"
#include "render/policy.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ostream>

namespace kaltune {

void setup_check(CLI::App& command, CheckOptions& options) {
  command
      .add_option("--max-detect", options.max_detect,
                  "Longest acceptable dead-peer detection, idle (time + intvl x probes) and busy "
                  "(tcp_retries2's latest give-up)")
      ->type_name("DURATION");
  add_survive_outage_option(command, options.survive_outage);
  command
      .add_option("--idle-timeout", options.idle_timeout,
                  "Idle timeout of a middlebox on the path (NAT, load balancer), or a preset "
                  "(plan --list-presets): the first probe must come sooner")
      ->type_name("DURATION|PRESET");
  command
      .add_option("--preset", options.preset,
                  "A middlebox preset on the path (plan --list-presets), as --idle-timeout NAME; "
                  "one that ignores keepalive probes is a warning that names it")
      ->type_name("PRESET");
  command
      .add_option("--max-uncovered", options.max_uncovered,
                  "At most N established connections without keepalive (no SO_KEEPALIVE: the "
                  "sysctls never reach them; kaltune enforce does): more is critical")
      ->check(decimal(0, 1000000000))
      ->type_name("N");
  command.add_flag("--persisted", options.persisted,
                   "Also require the running values to be the ones boot applies (show --source "
                   "boot): a key a reboot would change is critical");
}

namespace {
std::optional<std::int64_t> parse_limit(const std::optional<std::string>& text,
                                        std::string_view option) {
  if (!text) {
    return std::nullopt;
  }
  return parse_positive_duration(option, *text);
}

// --idle-timeout and --preset into the policy: the shortest idle timeout of a middlebox that
// counts probes as traffic, and a warning for each one that does not.
void add_middleboxes(Context& context, const CheckOptions& options, Policy& policy) {
  if (!options.idle_timeout && !options.preset) {
    return;
  }
  if (options.preset && !find_preset(options.preset->substr(0, options.preset->find('=')))) {
    throw Error(ExitStatus::usage,
                fmt::format("invalid --preset value '{}': not a preset (kaltune plan "
                            "--list-presets); give a duration with --idle-timeout",
                            *options.preset));
  }
  const PresetEnvironment environment = read_preset_environment(context.proc);
  for (const auto* text : {&options.idle_timeout, &options.preset}) {
    if (!*text) {
      continue;
    }
    auto idle = parse_idle_timeout(**text, environment);
    if (!idle) {
      throw Error(ExitStatus::usage, idle.error());
    }
    warn_preset_notes(context, *idle);
    if (!idle->keepalive_resets()) {
      policy.keepalive_ignored.push_back(
          fmt::format("{} ({}, {} s)", idle->text, idle->preset->preset->middlebox, idle->seconds));
    } else {
      policy.idle_timeout = std::min(policy.idle_timeout.value_or(idle->seconds), idle->seconds);
    }
  }
}
// --max-uncovered: the established connections of the namespace kaltune is in, counted.
void add_uncovered(CheckReport& report, const BusyInputs& busy) {
  if (!report.policy.max_uncovered) {
    return;
  }
  report.uncovered = summarize_connections(report.settings, busy).no_keepalive;
  if (auto finding = uncovered_finding(*report.uncovered, report.policy)) {
    report.findings.push_back(std::move(*finding));
  }
}
} // namespace

int run_check(Context& context, const CheckOptions& options) {
  Policy policy{parse_limit(options.max_detect, "--max-detect"), std::nullopt, std::nullopt, {}};
  if (options.survive_outage) {
    policy.survive_outage = parse_survive_outage(*options.survive_outage);
  }
  add_middleboxes(context, options, policy);
  policy.max_uncovered = options.max_uncovered;
  const NetnsTarget& target = context.global.target;
  if (options.persisted &&
      (!context.global.root.is_host() || context.global.all_netns || target.netns || target.pid)) {
    throw Error(ExitStatus::usage,
                "check --persisted compares this system's running values with what its own boot "
                "applies (the initial network namespace); --root names another system, and "
                "--all-netns, --netns and --pid other namespaces, whose values come from their "
                "runtime (securityContext.sysctls, docker run --sysctl)");
  }
  if (context.global.all_netns) {
    // Inside each namespace: its own busy half (tcp_retries2, tcp_rto_max_ms) too.
    CheckNetnsView view([&policy](const NetnsEntry& entry) {
      RealProcSys proc;
      const BusyInputs busy = read_busy_inputs(proc);
      CheckReport report{entry.values, evaluate(entry.values, policy, busy), policy};
      add_uncovered(report, busy);
      return report;
    });
    return run_over_netns(context, view);
  }
  const Settings running = read_running(context.proc);
  const BusyInputs busy = read_busy_inputs(context.proc);
  CheckReport report{running, evaluate(running, policy, busy), policy};
  add_uncovered(report, busy);
  if (options.persisted) {
    const BootView boot = resolve_boot(context.global.root.path(), context.boot_model());
    for (Finding& finding : persisted_findings(running, boot.settings)) {
      report.findings.push_back(std::move(finding));
    }
  }
  const Severity severity = worst(report.findings);
  if (context.format == Format::nagios) {
    context.out << render_nagios(report);
    return static_cast<int>(severity);
  }
  if (context.format == Format::json) {
    context.out << render_json(report);
  } else if (context.format == Format::prometheus) {
    context.out << render_metrics(
        check_metrics(report.findings, policy, netns_path(context.global.target)));
  } else {
    context.out << render_check(report, context.out_style);
  }
  return severity == Severity::ok ? 0 : static_cast<int>(ExitStatus::different);
}

} // namespace kaltune
