#include "cli/app.hpp"

#include "base/error.hpp"
#include "cli/check.hpp"
#include "cli/context.hpp"
#include "cli/diff.hpp"
#include "cli/non_empty.hpp"
#include "cli/reset.hpp"
#include "cli/set.hpp"
#include "cli/show.hpp"
#include "cli/sockets.hpp"
#include "cli/verify.hpp"
#include "core/all_netns.hpp"
#include "version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace kaltune {

struct Cli::State {
  CLI::App app{"kaltune: tune Linux TCP keepalive (net.ipv4.tcp_keepalive_time, _intvl, _probes)",
               "kaltune"};
  GlobalOptions global;
  ShowOptions show;
  SetOptions set;
  ResetOptions reset;
  DiffOptions diff;
  SocketsOptions sockets;
  VerifyOptions verify;
  CheckOptions check;
};

const char* exit_status_help() {
  return "Exit status:\n"
         "  0  success, or no difference\n"
         "  1  difference found (diff) or policy violated (check)\n"
         "  2  usage error or invalid value; nothing changed\n"
         "  3  permission denied; nothing changed\n"
         "  4  the system refused or failed (I/O error, missing key, value rejected, persisted\n"
         "     value overridden at boot); any partial change rolled back\n";
}

namespace {
constexpr int nagios_unknown = 3;

void setup_global(CLI::App& app, GlobalOptions& global) {
  app.set_version_flag("--version", fmt::format("kaltune {}", version));
  auto* netns = app.add_option_function<std::string>(
      "--netns", [&global](const std::string& value) { global.target.netns = value; },
      "Work on this network namespace: a name under /run/netns, or a namespace file");
  netns->type_name("NAME|PATH")->check(non_empty());
  auto* pid = app.add_option_function<pid_t>(
      "--pid", [&global](const pid_t& value) { global.target.pid = value; },
      "Work on the network namespace of process PID");
  pid->type_name("PID")->check(CLI::PositiveNumber);
  netns->excludes(pid);
  auto* all_netns = app.add_flag("--all-netns", global.all_netns,
                                 "Work on every network namespace on the machine (containers, "
                                 "pods, ip netns), each once: with show, check, sockets and set");
  all_netns->excludes(netns)->excludes(pid);
  app.add_option("--where", global.where,
                 fmt::format("With --all-netns: only the namespaces where FIELD matches GLOB "
                             "(repeat: all must hold): {}",
                             where_fields_help()))
      ->type_name("FIELD=GLOB")
      ->needs(all_netns);
  app.add_option("--root", global.root,
                 "Read (and write) every configuration path under DIR; symlinks resolve inside "
                 "it (image builds, tests)")
      ->type_name("DIR")
      ->check(non_empty())
      ->check(CLI::ExistingDirectory);
  app.add_option("--boot-model", global.boot_model,
                 "Which boot-time applier the boot view follows: systemd (systemd-sysctl), "
                 "procps (sysctl --system), or auto (systemd when systemd-sysctl exists under "
                 "--root)")
      ->check(CLI::IsMember({"auto", "systemd", "procps"}));
  app.add_flag("--json", global.json, "JSON output (a stable, documented schema)");
  app.add_option("--color", global.color,
                 "Colour: auto (on a terminal, unless NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("-q,--quiet", global.quiet, "No warnings on stderr");
  app.add_flag("-v,--verbose", global.verbose, "Say more on stderr");
  // A missing or unknown command is reported by Cli::run, with a suggestion.
  app.require_subcommand(0, 1);
  // Global options may also follow the command: `kaltune show --source boot --json`.
  app.fallthrough();
  app.footer(exit_status_help());
}

ColorWhen parse_color(const std::string& text) {
  if (text == "always") {
    return ColorWhen::always;
  }
  return text == "never" ? ColorWhen::never : ColorWhen::auto_;
}

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// What is wrong with the command word, if anything: missing, unknown (with a suggestion), or
// followed by arguments nobody takes.
std::optional<std::string> command_problem(const CLI::App& app) {
  const auto extras = app.remaining();
  if (!extras.empty()) {
    const std::string& word = extras.front();
    if (!word.empty() && word.front() == '-') {
      return fmt::format("unknown option {}", word);
    }
    if (!app.get_subcommands().empty()) {
      return fmt::format("unexpected argument '{}' for {}", word,
                         app.get_subcommands().front()->get_name());
    }
    std::string best;
    std::size_t best_distance = 3; // suggest only close matches
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      const std::size_t distance = edit_distance(word, sub->get_name());
      if (distance < best_distance) {
        best = sub->get_name();
        best_distance = distance;
      }
    }
    return best.empty() ? fmt::format("unknown command '{}'", word)
                        : fmt::format("unknown command '{}'; did you mean '{}'?", word, best);
  }
  if (app.get_subcommands().empty()) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      names.push_back(sub->get_name());
    }
    return fmt::format("a command is required: {}", fmt::join(names, ", "));
  }
  const auto* command = app.get_subcommands().front();
  if (app.get_option("--all-netns")->count() > 0 && command->get_name() != "show" &&
      command->get_name() != "check" && command->get_name() != "sockets" &&
      command->get_name() != "set") {
    return fmt::format("--all-netns works with show, check, sockets and set, not {}",
                       command->get_name());
  }
  return std::nullopt;
}

// `check --nagios` anywhere on the command line, read before parsing so that even a parse error
// can be answered the plugin way.
bool wants_nagios(int argc, const char* const* argv) {
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    check = check || arg == "check";
    if (check && arg == "--nagios") {
      return true;
    }
  }
  return false;
}

bool is_terminal(const std::ostream& stream, int fd) {
  return (&stream == &std::cout || &stream == &std::cerr) && ::isatty(fd) == 1;
}
} // namespace

Cli::Cli() : state_(std::make_unique<State>()) {
  setup_global(state_->app, state_->global);
  setup_show(state_->app, state_->show);
  setup_set(state_->app, state_->set);
  setup_reset(state_->app, state_->reset);
  setup_diff(state_->app, state_->diff);
  setup_sockets(state_->app, state_->sockets);
  setup_verify(state_->app, state_->verify);
  setup_check(state_->app, state_->check);
  // Only the top level collects leftovers, so "kaltune shwo" can be answered with "did you mean
  // show?"; subcommands keep rejecting unknown options themselves.
  state_->app.allow_extras(true);
}

Cli::~Cli() = default;

CLI::App& Cli::app() {
  return state_->app;
}

int Cli::run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App& app = state_->app;
  // A monitoring plugin answers UNKNOWN (3) on stdout for any failure of its own, usage errors
  // included: Nagios would read kaltune's 2 as CRITICAL.
  const bool nagios = wants_nagios(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version are "errors" that succeed; every real parse error is a usage error.
    if (nagios && e.get_exit_code() != 0) {
      out << "KALTUNE UNKNOWN - " << e.what() << '\n';
      return nagios_unknown;
    }
    const int code = app.exit(e, out, err);
    return code == 0 ? 0 : static_cast<int>(ExitStatus::usage);
  }
  if (auto problem = command_problem(app)) {
    if (nagios) {
      out << "KALTUNE UNKNOWN - " << *problem << '\n';
      return nagios_unknown;
    }
    err << "kaltune: " << *problem << "\nRun with --help for more information.\n";
    return static_cast<int>(ExitStatus::usage);
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
    if (app.got_subcommand("reset")) {
      return run_reset(context, state_->reset);
    }
    if (app.got_subcommand("diff")) {
      return run_diff(context, state_->diff);
    }
    if (app.got_subcommand("sockets")) {
      return run_sockets(context, state_->sockets);
    }
    if (app.got_subcommand("verify")) {
      return run_verify(context, state_->verify);
    }
    if (app.got_subcommand("check")) {
      return run_check(context, state_->check);
    }
    return static_cast<int>(ExitStatus::usage);
  } catch (const std::exception& e) {
    if (nagios) {
      out << "KALTUNE UNKNOWN - " << e.what() << '\n';
      return nagios_unknown;
    }
    err << "kaltune: " << e.what() << '\n';
    const auto* error = dynamic_cast<const Error*>(&e);
    return static_cast<int>(error != nullptr ? error->status() : ExitStatus::system);
  }
}

} // namespace kaltune
