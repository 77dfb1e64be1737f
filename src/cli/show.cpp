#include "cli/show.hpp"

#include "core/runtime.hpp"
#include "render/settings.hpp"

#include <ostream>

namespace kaltune {

void setup_show(CLI::App& app, ShowOptions& options) {
  auto* show = app.add_subcommand("show", "Show the keepalive values in force and what they mean");
  show->add_option("--source", options.source, "Which values: running (default) or default")
      ->check(CLI::IsMember({"running", "default"}));
  show->add_option("--format", options.format, "Output format")
      ->check(CLI::IsMember({"table", "json", "sysctl", "prometheus"}));
}

int run_show(Context& context, const ShowOptions& options) {
  ShowReport report;
  if (options.source == "default") {
    report.settings = sourced("default", kernel_defaults, "kernel default");
  } else {
    report.settings = sourced("running", read_running(context.proc), "running");
    report.netns = netns_path(context.global.target);
    report.tcp_retries2 = read_integer(context.proc, "net.ipv4.tcp_retries2");
  }
  const std::string format = context.global.json ? "json" : options.format;
  if (format == "json") {
    context.out << to_json(report).dump(2) << '\n';
  } else if (format == "sysctl") {
    context.out << render_sysctl(report.settings);
  } else if (format == "prometheus") {
    context.out << render_prometheus(report);
  } else {
    context.out << render_table(report, context.out_style);
  }
  if (format != "json" && !context.global.quiet) {
    context.err << render_warnings(report.settings.settings(), context.err_style);
  }
  return 0;
}

} // namespace kaltune
