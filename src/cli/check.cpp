#include "cli/check.hpp"

#include "cli/option_values.hpp"
#include "cli/show.hpp"
#include "config/boot.hpp"
#include "core/policy.hpp"
#include "core/runtime.hpp"
#include "render/policy.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ostream>

namespace kaltune {

void setup_check(CLI::App& command, CheckOptions& options) {
  command
      .add_option("--max-detect", options.max_detect,
                  "Longest acceptable dead-peer detection (time + intvl x probes)")
      ->type_name("DURATION");
  command
      .add_option(
          "--idle-timeout", options.idle_timeout,
          "Idle timeout of a middlebox on the path (NAT, load balancer): the first probe must "
          "come sooner")
      ->type_name("DURATION");
  command.add_flag("--persisted", options.persisted,
                   "Also require the running values to be the ones boot applies (show --source "
                   "boot): a key a reboot would change is critical");
  command.add_flag("--nagios", options.nagios,
                   "One status line and the monitoring-plugin exit codes 0 OK, 1 WARNING, "
                   "2 CRITICAL, 3 UNKNOWN");
}

namespace {
std::optional<std::int64_t> parse_limit(const std::optional<std::string>& text,
                                        std::string_view option) {
  if (!text) {
    return std::nullopt;
  }
  return parse_positive_duration(option, *text);
}
} // namespace

int run_check(Context& context, const CheckOptions& options) {
  const Policy policy{parse_limit(options.max_detect, "--max-detect"),
                      parse_limit(options.idle_timeout, "--idle-timeout")};
  if (options.persisted && context.global.root != "/") {
    throw Error(ExitStatus::usage, "check --persisted compares this system's running values with "
                                   "what its own boot applies; --root names another system");
  }
  const Settings running = read_running(context.proc);
  CheckReport report{running, evaluate(running, policy), policy};
  if (options.persisted) {
    const BootView boot = resolve_boot(context.global.root, boot_model(context.global));
    for (Finding& finding : persisted_findings(running, boot.settings)) {
      report.findings.push_back(std::move(finding));
    }
  }
  const Severity severity = worst(report.findings);
  if (options.nagios) {
    context.out << render_nagios(report);
    return static_cast<int>(severity);
  }
  if (context.global.json) {
    context.out << render_json(report);
  } else {
    context.out << render_check(report, context.out_style);
  }
  return severity == Severity::ok ? 0 : static_cast<int>(ExitStatus::different);
}

} // namespace kaltune
