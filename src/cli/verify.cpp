#include "cli/verify.hpp"

#include "core/duration.hpp"
#include "core/runtime.hpp"
#include "core/validate.hpp"
#include "render/duration.hpp"
#include "render/json.hpp"
#include "render/verify.hpp"
#include "sys/deadpeer.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <ostream>
#include <unistd.h>

namespace kaltune {

void setup_verify(CLI::App& command, VerifyOptions& options) {
  for (Key key : all_keys) {
    auto& slot = options.values[index_of(key)];
    command
        .add_option_function<std::string>(
            fmt::format("--{}", short_name(key)),
            [&slot](const std::string& value) { slot = value; },
            fmt::format("{} to measure in a private network namespace (default: the running "
                        "value); {}",
                        sysctl_name(key), describe_range(key, false)))
        ->type_name(is_duration(key) ? "DURATION" : "N");
  }
  command.add_flag("--running", options.running,
                   "Measure the running values in place, over loopback in this namespace (no "
                   "privileges needed)");
  command
      .add_option("--timeout", options.timeout,
                  "Give up after this long; refuse up front when the expected time is longer "
                  "(default 15m)")
      ->type_name("DURATION");
}

namespace {
Settings requested_settings(Context& context, const VerifyOptions& options) {
  Request request;
  for (Key key : all_keys) {
    if (const auto& text = options.values[index_of(key)]) {
      if (options.running) {
        throw Error(ExitStatus::usage,
                    fmt::format("verify: --running measures the values in force; --{} cannot "
                                "go with it",
                                short_name(key)));
      }
      auto value = parse_value(key, *text, false);
      if (!value) {
        throw Error(ExitStatus::usage, value.error());
      }
      request[index_of(key)] = *value;
    }
  }
  const Settings settings = merge(read_running(context.proc), request);
  if (const auto warnings = assess(settings); !warnings.empty()) {
    throw Error(ExitStatus::usage,
                fmt::format("verify: cannot measure: {}", warnings.front().message));
  }
  return settings;
}

std::int64_t timeout_ms(const VerifyOptions& options) {
  auto timeout = parse_duration(options.timeout);
  if (!timeout || *timeout == 0) {
    throw Error(ExitStatus::usage, fmt::format("invalid --timeout value '{}': {}", options.timeout,
                                               timeout ? "must be at least 1 s" : timeout.error()));
  }
  return *timeout * 1000;
}

bool stderr_is_terminal(const Context& context) {
  return &context.err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
}
} // namespace

int run_verify(Context& context, const VerifyOptions& options) {
  VerifyReport report;
  report.settings = requested_settings(context, options);
  report.private_netns = !options.running;
  report.expected_ms = detect_seconds(report.settings) * 1000;
  report.tolerance_ms = verify_tolerance_ms(report.expected_ms);
  report.timeout_ms = timeout_ms(options);
  if (report.expected_ms > report.timeout_ms) {
    throw Error(ExitStatus::usage,
                fmt::format("verify: the expected detection time {} is longer than --timeout {}; "
                            "give --timeout {} or more, or smaller values",
                            seconds_with_human(report.expected_ms / 1000),
                            seconds_with_human(report.timeout_ms / 1000),
                            report.expected_ms / 1000 + report.tolerance_ms / 1000 + 1));
  }
  const bool progress = stderr_is_terminal(context) && !context.global.quiet;
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
  if (context.global.json) {
    context.out << dump_json(to_json(report)) << '\n';
  } else {
    context.out << render_verify(report, context.out_style);
  }
  return report.within() ? 0 : static_cast<int>(ExitStatus::system);
}

} // namespace kaltune
