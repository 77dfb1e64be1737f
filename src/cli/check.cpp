#include "cli/check.hpp"

#include "cli/all_netns.hpp"
#include "core/duration.hpp"
#include "core/policy.hpp"
#include "core/runtime.hpp"
#include "render/json.hpp"
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
  check->add_flag("--nagios", options.nagios,
                  "One status line and the monitoring-plugin exit codes 0 OK, 1 WARNING, "
                  "2 CRITICAL, 3 UNKNOWN");
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

int run_check(Context& context, const CheckOptions& options) {
  const Policy policy{parse_limit(options.max_detect, "--max-detect"),
                      parse_limit(options.idle_timeout, "--idle-timeout")};
  if (context.global.all_netns) {
    return check_all_netns(context, policy, options.nagios);
  }
  const Settings running = read_running(context.proc);
  const CheckReport report{running, evaluate(running, policy), policy};
  const Severity severity = worst(report.findings);
  if (options.nagios) {
    context.out << render_nagios(report);
    return static_cast<int>(severity);
  }
  if (context.global.json) {
    context.out << dump_json(to_json(report)) << '\n';
  } else {
    context.out << render_check(report, context.out_style);
  }
  return severity == Severity::ok ? 0 : static_cast<int>(ExitStatus::different);
}

} // namespace kaltune
