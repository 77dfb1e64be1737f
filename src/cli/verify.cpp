#include "cli/verify.hpp"

#include "core/runtime.hpp"
#include "core/validate.hpp"
#include "render/duration.hpp"
#include "render/verify.hpp"
#include "sys/deadpeer.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ostream>

namespace kaltune {

void setup_verify(CLI::App& command, VerifyOptions& options) {
  add_value_options(command, options.values, [](Key key) {
    return fmt::format("{} to measure in a private network namespace (default: the running "
                       "value); {}",
                       sysctl_name(key), describe_range(key, false));
  });
  command.add_flag("--running", options.running,
                   "Measure the running values in place, over loopback in this namespace (no "
                   "privileges needed)");
  command
      .add_option("--timeout", options.timeout,
                  "Give up after this long; refuse up front when the expected time is longer "
                  "(default 15m)")
      ->type_name("DURATION");
  add_goal_options(command, options.goals);
}

namespace {
Settings requested_settings(Context& context, const VerifyOptions& options) {
  for (Key key : all_keys) {
    if (options.running && options.values[index_of(key)]) {
      throw Error(ExitStatus::usage,
                  fmt::format("verify: --running measures the values in force; --{} cannot go "
                              "with it",
                              short_name(key)));
    }
  }
  if (options.running && options.goals.any()) {
    throw Error(ExitStatus::usage, "verify: --running measures the values in force; goals "
                                   "(--idle-timeout, --detect-within, --loss-tolerance) cannot "
                                   "go with it");
  }
  const Request request = parse_values(options.values, /*force=*/false);
  if (const auto plan = plan_from_goals(context, "verify", options.goals, request)) {
    return plan->settings;
  }
  const Settings settings = merge(read_running(context.proc), request);
  if (const auto warnings = assess(settings); !warnings.empty()) {
    throw Error(ExitStatus::usage,
                fmt::format("verify: cannot measure: {}", warnings.front().message));
  }
  return settings;
}
} // namespace

int run_verify(Context& context, const VerifyOptions& options) {
  VerifyReport report;
  report.settings = requested_settings(context, options);
  for (Key key : all_keys) {
    report.given[index_of(key)] = options.values[index_of(key)].has_value();
  }
  report.private_netns = !options.running;
  report.expected_ms = detect_seconds(report.settings) * 1000;
  report.tolerance_ms = verify_tolerance_ms(report.expected_ms);
  report.timeout_ms = parse_positive_duration("--timeout", options.timeout) * 1000;
  if (report.expected_ms > report.timeout_ms) {
    throw Error(ExitStatus::usage,
                fmt::format("verify: the expected detection time {} is longer than --timeout {}; "
                            "give --timeout {} or more, or smaller values",
                            seconds_with_human(report.expected_ms / 1000),
                            seconds_with_human(report.timeout_ms / 1000),
                            report.expected_ms / 1000 + report.tolerance_ms / 1000 + 1));
  }
  const bool progress = context.err_terminal && !context.global.quiet;
  MeasureRequest request;
  request.where = options.running ? MeasureWhere::in_place : MeasureWhere::private_netns;
  request.cap = std::chrono::milliseconds(report.timeout_ms);
  if (!options.running) {
    // In the child, inside its own namespace: the values to measure, all or nothing.
    request.prepare = [settings = report.settings] {
      RealProcSys proc;
      apply_changes(proc, plan_changes(read_running(proc), settings));
    };
  }
  if (progress) {
    request.tick = [&context, &report](std::chrono::milliseconds elapsed) {
      context.err << fmt::format("\rwaiting for the silent peer to be declared dead: {} s of "
                                 "{} s expected",
                                 elapsed.count() / 1000, report.expected_ms / 1000)
                  << std::flush;
    };
  }
  const auto measured = measure_dead_peer(request);
  if (progress) {
    context.err << "\r\033[K" << std::flush;
  }
  if (measured) {
    report.measured_ms = measured->count();
  }
  if (context.format == Format::json) {
    context.out << render_json(report);
  } else {
    context.out << render_verify(report, context.out_style);
  }
  return report.within() ? 0 : static_cast<int>(ExitStatus::system);
}

} // namespace kaltune
