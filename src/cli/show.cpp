#include "cli/show.hpp"

#include "base/error.hpp"
#include "cli/non_empty.hpp"
#include "cli/targets.hpp"
#include "config/boot.hpp"
#include "core/busy.hpp"
#include "core/runtime.hpp"
#include "render/boot.hpp"
#include "render/metrics.hpp"
#include "render/settings.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ostream>

namespace kaltune {

void setup_show(CLI::App& command, ShowOptions& options) {
  command
      .add_option("--source", options.source,
                  "Which values: running (default), boot (what boot applies, with every "
                  "assignment and its file:line), default, or a sysctl config FILE (what it "
                  "assigns; keys it leaves out keep the kernel default)")
      ->type_name("running|boot|default|FILE")
      ->check(non_empty())
      ->each([&options](const std::string&) { options.source_given = true; });
}

namespace {
int show_boot(Context& context, const ShowOptions& options) {
  const BootModel model = context.boot_model();
  const bool single_file = options.source != "boot";
  const BootView view = single_file
                            ? resolve_file(context.global.root.path(), options.source, model)
                            : resolve_boot(context.global.root.path(), model);
  const Format format = context.format;
  context.info("boot model: " + describe_model(model));
  if (format == Format::json) {
    write_json(context.out, view, single_file);
    return 0;
  }
  if (format == Format::sysctl) {
    context.out << render_boot_sysctl(view, single_file);
  } else if (format == Format::prometheus) {
    context.out << render_metrics(settings_metrics({view.settings}, std::nullopt));
  } else {
    context.out << render_boot_table(view, single_file, context.out_style);
  }
  for (const std::string& warning : view.warnings) {
    context.warn(warning);
  }
  return 0;
}

// The metrics the timer refreshes: running and boot, each value's origin, and their drift.
int show_metrics(Context& context) {
  const std::optional<std::string> netns = netns_path(context.global.target);
  const SourcedSettings running = sourced("running", read_running(context.proc), "running");
  const BootView boot = resolve_boot(context.global.root.path(), context.boot_model());
  std::vector<MetricFamily> families = settings_metrics({running, boot.settings}, netns);
  families.push_back(drift_metric(running, boot.settings, netns));
  context.out << render_metrics(families);
  for (const std::string& warning : boot.warnings) {
    context.warn(warning);
  }
  return 0;
}

} // namespace

int run_show(Context& context, const ShowOptions& options) {
  const Format format = context.format;
  if (context.global.all_netns) {
    if (options.source != "running") {
      throw Error(ExitStatus::usage,
                  fmt::format("show --all-netns reads the running values of each namespace; "
                              "--source {} is the same everywhere, drop --all-netns",
                              options.source));
    }
    ShowNetnsView view;
    return run_over_netns(context, view);
  }
  if (format == Format::prometheus && !options.source_given) {
    return show_metrics(context);
  }
  if (options.source != "running" && options.source != "default") {
    return show_boot(context, options);
  }
  ShowReport report;
  if (options.source == "default") {
    report.settings = sourced("default", kernel_defaults, "kernel default");
  } else {
    report.settings = sourced("running", read_running(context.proc), "running");
    report.netns = netns_path(context.global.target);
    report.busy = read_busy_inputs(context.proc);
  }
  if (format == Format::json) {
    context.out << render_json(report);
  } else if (format == Format::sysctl) {
    context.out << render_sysctl(report.settings);
  } else if (format == Format::prometheus) {
    context.out << render_metrics(settings_metrics({report.settings}, report.netns));
  } else {
    context.out << render_table(report, context.out_style);
  }
  if (format != Format::json && !context.global.quiet) {
    context.err << render_warnings(report.settings.settings(), context.err_style);
  }
  return 0;
}

} // namespace kaltune
