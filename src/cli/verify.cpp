#include "cli/verify.hpp"

#include "cli/decimal.hpp"
#include "core/busy.hpp"
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
  add_value_options(command, options.values, all_keys, [](Key key) {
    if (key == Key::retries2) {
      return fmt::format("With --busy: the {} written in the private namespace ({}; default "
                         "{}, or the one the goals derive)",
                         sysctl_name(key), describe_range(key, false), verify_busy_retries2);
    }
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
  command.add_flag("--busy", options.busy,
                   "Measure the busy half: 1000 bytes in flight to the silent peer, so that the "
                   "retransmission timeout (tcp_retries2) decides; the time is held to the "
                   "prediction from the connection's own RTO");
}

namespace {
Settings requested_settings(Context& context, const VerifyOptions& options) {
  if (options.values[index_of(Key::retries2)]) {
    throw Error(ExitStatus::usage, "verify: --retries2 is the busy half's; add --busy");
  }
  for (Key key : keepalive_keys) {
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
    return plan->settings; // the idle measurement writes the keepalive keys only
  }
  const Settings settings = merge(read_running(context.proc), request);
  // The idle measurement uses the keepalive keys only: a tcp_retries2 of the namespace's own,
  // whatever it is, is not in its way.
  for (Key key : keepalive_keys) {
    if (const auto warning = assess(key, settings[key])) {
      throw Error(ExitStatus::usage, fmt::format("verify: cannot measure: {}", warning->message));
    }
  }
  return settings;
}
} // namespace

namespace {
// The busy half's inputs and tcp_retries2: in place the namespace's own; in the private
// namespace (which starts at the kernel's defaults) the one given, derived from the goals, or
// verify_busy_retries2.
BusyInputs busy_request(Context& context, const VerifyOptions& options) {
  for (Key key : keepalive_keys) {
    if (options.values[index_of(key)]) {
      throw Error(ExitStatus::usage,
                  fmt::format("verify --busy measures the retransmission timeout, which "
                              "tcp_retries2 decides; --{} does not apply",
                              short_name(key)));
    }
  }
  const std::optional<std::int64_t> retries2 =
      parse_values(options.values, /*force=*/false)[index_of(Key::retries2)];
  if (options.running) {
    if (retries2 || options.goals.any()) {
      throw Error(ExitStatus::usage, "verify --busy --running measures this namespace's own "
                                     "tcp_retries2; --retries2 and goals cannot go with it");
    }
    return read_busy_inputs(context.proc);
  }
  BusyInputs inputs;
  inputs.retries2 = retries2.value_or(verify_busy_retries2);
  Pins pins;
  pins[index_of(Key::retries2)] = retries2;
  if (const auto plan = plan_from_goals(context, "verify", options.goals, pins)) {
    inputs.retries2 = plan->settings[Key::retries2];
  }
  return inputs;
}

// Measures, with a progress line on a terminal; fills measured_ms and returns what was seen.
std::optional<Measurement> measure(Context& context, VerifyReport& report, MeasureRequest request,
                                   const std::string& waiting) {
  const bool progress = context.err_terminal && !context.global.quiet;
  request.cap = std::chrono::milliseconds(report.timeout_ms);
  if (progress) {
    request.tick = [&context, waiting](std::chrono::milliseconds elapsed) {
      context.err << fmt::format("\rwaiting for the silent peer to be {}: {} s", waiting,
                                 elapsed.count() / 1000)
                  << std::flush;
    };
  }
  auto measured = measure_dead_peer(request);
  if (progress) {
    context.err << "\r\033[K" << std::flush;
  }
  if (measured) {
    report.measured_ms = measured->elapsed.count();
  }
  return measured;
}

int report_result(Context& context, const VerifyReport& report) {
  if (context.format == Format::json) {
    context.out << render_json(report);
  } else {
    context.out << render_verify(report, context.out_style);
  }
  return report.within() ? 0 : static_cast<int>(ExitStatus::system);
}

int run_busy(Context& context, const VerifyOptions& options) {
  const BusyInputs inputs = busy_request(context, options);
  VerifyReport report;
  report.private_netns = !options.running;
  // What the measured connection's namespace holds: in place its own values; the private one
  // starts at the kernel's defaults and gets the tcp_retries2 of the measurement.
  report.settings = options.running ? read_running(context.proc) : kernel_defaults;
  report.settings[Key::retries2] = inputs.retries2;
  report.given[index_of(Key::retries2)] = options.values[index_of(Key::retries2)].has_value();
  report.timeout_ms = parse_positive_duration("--timeout", options.timeout) * 1000;
  const BusyRange range = busy_range(retries2_limit(inputs), inputs);
  if (range.earliest_ms > report.timeout_ms) {
    throw Error(ExitStatus::usage,
                fmt::format("verify --busy: tcp_retries2 {} gives up no sooner than {} after the "
                            "write, longer than --timeout {}; give --timeout {} or more, or a "
                            "smaller --retries2",
                            inputs.retries2, seconds_with_human(range.earliest_ms / 1000),
                            seconds_with_human(report.timeout_ms / 1000),
                            range.latest_ms / 1000 + 1));
  }
  MeasureRequest request;
  request.busy = true;
  request.where = options.running ? MeasureWhere::in_place : MeasureWhere::private_netns;
  if (!options.running) {
    // In the child, inside its own namespace: tcp_retries2, written and read back.
    request.prepare = [retries2 = inputs.retries2] {
      RealProcSys proc;
      proc.write("net.ipv4.tcp_retries2", fmt::format("{}", retries2));
      if (read_integer(proc, "net.ipv4.tcp_retries2") != retries2) {
        throw Error(ExitStatus::system,
                    fmt::format("net.ipv4.tcp_retries2: wrote {} but the kernel reads back "
                                "something else",
                                retries2));
      }
    };
  }
  const auto measured = measure(context, report, request, "given up");
  if (measured) {
    predict_busy(report, inputs, measured->rto_us, measured->rtt_us);
    if (measured->first_retransmission) {
      report.busy->first_seen_ms = measured->first_retransmission->count();
    }
  } else {
    // No connection info without an answer: the prediction of the model's own RTO.
    predict_busy(report, inputs, model_rto_ms * 1000, 0);
  }
  return report_result(context, report);
}
} // namespace

int run_verify(Context& context, const VerifyOptions& options) {
  if (options.busy) {
    return run_busy(context, options);
  }
  VerifyReport report;
  report.settings = requested_settings(context, options);
  for (Key key : all_keys) {
    report.given[index_of(key)] = options.values[index_of(key)].has_value();
  }
  report.private_netns = !options.running;
  if (report.private_netns) {
    // The private namespace keeps the kernel's tcp_retries2: the idle half does not write it.
    report.settings[Key::retries2] = kernel_defaults[Key::retries2];
  }
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
  MeasureRequest request;
  request.where = options.running ? MeasureWhere::in_place : MeasureWhere::private_netns;
  if (!options.running) {
    // In the child, inside its own namespace: the values to measure, all or nothing.
    request.prepare = [settings = report.settings] {
      RealProcSys proc;
      // The keepalive keys only: the idle half's measurement needs nothing else.
      const Settings current = read_running(proc);
      Settings wanted = current;
      for (Key key : keepalive_keys) {
        wanted[key] = settings[key];
      }
      apply_changes(proc, plan_changes(current, wanted));
    };
  }
  measure(context, report, request,
          fmt::format("declared dead ({} s expected)", report.expected_ms / 1000));
  return report_result(context, report);
}

} // namespace kaltune