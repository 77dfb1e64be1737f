#include "cli/app.hpp"

#include "cli/context.hpp"
#include "cli/set.hpp"
#include "cli/show.hpp"
#include "cli/sockets.hpp"
#include "cli/verify.hpp"
#include "core/error.hpp"
#include "version.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace kaltune {

struct Cli::State {
  CLI::App app{"kaltune: tune Linux TCP keepalive (net.ipv4.tcp_keepalive_time, _intvl, _probes)",
               "kaltune"};
  GlobalOptions global;
  ShowOptions show;
  SetOptions set;
  SocketsOptions sockets;
  VerifyOptions verify;
};

const char* exit_status_help() {
  return "Exit status:\n"
         "  0  success, or no difference\n"
         "  1  difference found (diff) or policy violated (check)\n"
         "  2  usage error or invalid value; nothing changed\n"
         "  3  permission denied; nothing changed\n"
         "  4  the system refused or failed (I/O error, missing key, value rejected); any partial\n"
         "     change rolled back\n";
}

namespace {
void setup_global(CLI::App& app, GlobalOptions& global) {
  app.set_version_flag("--version", fmt::format("kaltune {}", version));
  auto* netns = app.add_option_function<std::string>(
      "--netns", [&global](const std::string& value) { global.target.netns = value; },
      "Work on this network namespace: a name under /run/netns, or a namespace file");
  netns->type_name("NAME|PATH");
  auto* pid = app.add_option_function<pid_t>(
      "--pid", [&global](const pid_t& value) { global.target.pid = value; },
      "Work on the network namespace of process PID");
  pid->type_name("PID")->check(CLI::PositiveNumber);
  netns->excludes(pid);
  app.add_flag("--json", global.json, "JSON output (a stable, documented schema)");
  app.add_option("--color", global.color, "Colour: auto (on a terminal, unless NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("-q,--quiet", global.quiet, "No warnings on stderr");
  app.add_flag("-v,--verbose", global.verbose, "Say more on stderr");
  app.require_subcommand(1);
  app.footer(exit_status_help());
}

ColorWhen parse_color(const std::string& text) {
  if (text == "always") {
    return ColorWhen::always;
  }
  return text == "never" ? ColorWhen::never : ColorWhen::auto_;
}

bool is_terminal(const std::ostream& stream, int fd) {
  return (&stream == &std::cout || &stream == &std::cerr) && ::isatty(fd) == 1;
}
} // namespace

Cli::Cli() : state_(std::make_unique<State>()) {
  setup_global(state_->app, state_->global);
  setup_show(state_->app, state_->show);
  setup_set(state_->app, state_->set);
  setup_sockets(state_->app, state_->sockets);
  setup_verify(state_->app, state_->verify);
}

Cli::~Cli() = default;

CLI::App& Cli::app() { return state_->app; }

int Cli::run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App& app = state_->app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version are "errors" that succeed; every real parse error is a usage error.
    const int code = app.exit(e, out, err);
    return code == 0 ? 0 : static_cast<int>(ExitStatus::usage);
  }
  try {
    enter_netns(state_->global.target);
    const char* no_color = std::getenv("NO_COLOR");
    const bool no_color_set = no_color != nullptr && *no_color != '\0';
    const ColorWhen when = parse_color(state_->global.color);
    RealProcSys proc;
    Context context{state_->global,
                    proc,
                    out,
                    err,
                    Style(use_color(when, is_terminal(out, STDOUT_FILENO), no_color_set)),
                    Style(use_color(when, is_terminal(err, STDERR_FILENO), no_color_set))};
    if (app.got_subcommand("show")) {
      return run_show(context, state_->show);
    }
    if (app.got_subcommand("set")) {
      return run_set(context, state_->set);
    }
    if (app.got_subcommand("sockets")) {
      return run_sockets(context, state_->sockets);
    }
    if (app.got_subcommand("verify")) {
      return run_verify(context, state_->verify);
    }
    return static_cast<int>(ExitStatus::usage);
  } catch (const Error& e) {
    err << "kaltune: " << e.what() << '\n';
    return static_cast<int>(e.status());
  } catch (const std::exception& e) {
    err << "kaltune: " << e.what() << '\n';
    return static_cast<int>(ExitStatus::system);
  }
}

} // namespace kaltune
