#include "cli/check.hpp"

#include "cli/option_values.hpp"
#include "cli/output.hpp"
#include "core/policy.hpp"
#include "core/runtime.hpp"
#include "render/metrics.hpp"
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
  auto* nagios = command.add_flag("--nagios", options.nagios,
                                  "One status line and the monitoring-plugin exit codes 0 OK, 1 "
                                  "WARNING, 2 CRITICAL, 3 UNKNOWN");
  command
      .add_option("--format", options.format,
                  "Output format; prometheus: the status (0 OK, 1 WARNING, 2 CRITICAL), the "
                  "findings and the policy as metrics (exit status as for text)")
      ->check(CLI::IsMember({"text", "json", "prometheus"}))
      ->excludes(nagios);
  add_output_option(command, options.output);
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

namespace {
int check(Context& context, const CheckOptions& options) {
  const Policy policy{parse_limit(options.max_detect, "--max-detect"),
                      parse_limit(options.idle_timeout, "--idle-timeout")};
  const Settings running = read_running(context.proc);
  const CheckReport report{running, evaluate(running, policy), policy};
  const Severity severity = worst(report.findings);
  if (options.nagios) {
    context.out << render_nagios(report);
    return static_cast<int>(severity);
  }
  if (context.global.json || options.format == "json") {
    context.out << render_json(report);
  } else if (options.format == "prometheus") {
    context.out << render_metrics(
        check_metrics(report.findings, policy, netns_path(context.global.target)));
  } else {
    context.out << render_check(report, context.out_style);
  }
  return severity == Severity::ok ? 0 : static_cast<int>(ExitStatus::different);
}
} // namespace

int run_check(Context& context, const CheckOptions& options) {
  return run_with_output(context, options.output,
                         [&options](Context& target) { return check(target, options); });
}

} // namespace kaltune
