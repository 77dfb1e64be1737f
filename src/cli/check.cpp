#include "cli/check.hpp"

#include "cli/output.hpp"

#include "core/duration.hpp"
#include "core/policy.hpp"
#include "core/runtime.hpp"
#include "render/json.hpp"
#include "render/metrics.hpp"
#include "render/policy.hpp"

#include <fmt/format.h>

#include <ostream>

namespace kaltune {

void setup_check(CLI::App& app, CheckOptions& options) {
  auto* check = app.add_subcommand(
      "check", "Check the running values against a policy (exit 1 when violated)");
  check
      ->add_option_function<std::string>(
          "--max-detect", [&options](const std::string& value) { options.max_detect = value; },
          "Longest acceptable dead-peer detection (time + intvl x probes)")
      ->type_name("DURATION");
  check
      ->add_option_function<std::string>(
          "--idle-timeout", [&options](const std::string& value) { options.idle_timeout = value; },
          "Idle timeout of a middlebox on the path (NAT, load balancer): the first probe must "
          "come sooner")
      ->type_name("DURATION");
  auto* nagios = check->add_flag("--nagios", options.nagios,
                                 "One status line and the monitoring-plugin exit codes 0 OK, 1 "
                                 "WARNING, 2 CRITICAL, 3 UNKNOWN");
  check
      ->add_option("--format", options.format,
                   "Output format; prometheus: the status (0 OK, 1 WARNING, 2 CRITICAL), the "
                   "findings and the policy as metrics (exit status as for text)")
      ->check(CLI::IsMember({"text", "json", "prometheus"}))
      ->excludes(nagios);
  add_output_option(*check, options.output);
}

namespace {
std::optional<std::int64_t> parse_limit(const std::optional<std::string>& text,
                                        std::string_view option) {
  if (!text) {
    return std::nullopt;
  }
  auto value = parse_duration(*text);
  if (!value || *value == 0) {
    throw Error(ExitStatus::usage, fmt::format("invalid {} value '{}': {}", option, *text,
                                               value ? "must be at least 1 s" : value.error()));
  }
  return *value;
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
    context.out << dump_json(to_json(report)) << '\n';
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
