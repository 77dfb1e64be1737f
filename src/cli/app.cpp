#include "cli/app.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/decimal.hpp"
#include "cli/non_empty.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "core/all_netns.hpp"
#include "render/policy.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace kaltune {

// The raw option values of Cli::State, named (not in an anonymous namespace) because a class
// with external linkage holds them.
namespace cli_state {
// The global options as CLI11 reads them; made into types once (typed_globals).
struct GlobalTexts {
  NetnsTarget target;
  bool all_netns = false;
  std::vector<std::string> where;
  std::string root = "/";
  std::string boot_model = "auto";
  bool json = false;
  std::string color = "auto";
  bool quiet = false;
  bool verbose = false;
};

// The options a command's row stands for (--format, --nagios, --output), as CLI11 reads them.
struct ColumnOptions {
  std::optional<std::string> format;
  bool nagios = false;
  std::optional<std::string> output;
};
} // namespace cli_state
using cli_state::ColumnOptions;
using cli_state::GlobalTexts;

namespace {
// What of the model a command line needs: the global options it spells and the commands it names.
// Building the whole model costs more than most commands do (CLI11 spends thousands of
// instructions on each option and subcommand), so a run builds only these parts; a line that
// asks for help or the version, uses a short option or `--`, names no command or does not parse
// is answered by the whole model (Spelled::everything), so every answer and message is the same.
class Spelled {
public:
  static Spelled everything() { return Spelled(); }

  // Nothing when the line needs the whole model.
  static std::optional<Spelled> of(int argc, const char* const* argv) {
    Spelled spelled;
    spelled.everything_ = false;
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      const bool short_option = arg.size() > 1 && arg[0] == '-' && arg[1] != '-';
      if (short_option || arg == "--" || arg == "--help" || arg == "--version") {
        return std::nullopt;
      }
      spelled.args_.push_back(arg);
    }
    const bool names_a_command = std::any_of(commands().begin(), commands().end(),
                                             [&](const Command& c) { return spelled.command(c); });
    if (!names_a_command) {
      return std::nullopt;
    }
    return spelled;
  }

  // `--name` or `--name=VALUE` as a whole argument.
  bool option(std::string_view name) const {
    return everything_ || std::any_of(args_.begin(), args_.end(), [name](std::string_view arg) {
             return arg.starts_with(name) && (arg.size() == name.size() || arg[name.size()] == '=');
           });
  }
  bool command(const Command& command) const {
    return everything_ || std::find(args_.begin(), args_.end(), command.name) != args_.end();
  }

private:
  Spelled() = default;
  bool everything_ = true;
  std::vector<std::string_view> args_;
};

struct Failure;
void declare_columns(CLI::App& sub, const Command& command, ColumnOptions& columns);
std::string all_netns_takers();
} // namespace

struct Cli::State {
  explicit State(const Spelled& spelled);

  // Runs the command of a parse that command_problem accepted.
  int run_chosen(const Failure& failure, std::ostream& out, std::ostream& err);

  // One command of the model: its CLI11 subcommand, and how to run it once its options exist.
  struct Entry {
    const Command* command;
    CLI::App* app;
    CommandRun run; // empty until the command's options are declared
    ColumnOptions columns;
  };

  CLI::App app{"kaltune: tune Linux TCP keepalive (net.ipv4.tcp_keepalive_time, _intvl, _probes) "
               "and tcp_retries2, and give keepalive to programs that never ask",
               "kaltune"};
  GlobalTexts global;
  std::vector<Entry> entries; // in the order of the command table
  bool whole = false;         // built from Spelled::everything()

  void declare(Entry& entry) {
    if (!entry.run) {
      entry.run = entry.command->setup(*entry.app);
      declare_columns(*entry.app, *entry.command, entry.columns);
    }
  }

  // The command of a parse that command_problem accepted: exactly one, its options declared.
  const Entry& chosen() const {
    const CLI::App* sub = app.get_subcommands().front();
    return *std::find_if(entries.begin(), entries.end(),
                         [sub](const Entry& entry) { return entry.app == sub; });
  }
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
void setup_global(CLI::App& app, GlobalTexts& global, const Spelled& spelled) {
  // CLI11's own messages quote the values given: escaped like kaltune's.
  app.failure_message([](const CLI::App* command, const CLI::Error& error) {
    std::string message = "kaltune: " + printable(error.what()) + "\n";
    if (command->get_help_ptr() != nullptr) {
      message += "Run with " + command->get_help_ptr()->get_name() + " for more information.\n";
    }
    return message;
  });
  if (spelled.option("--version")) {
    app.set_version_flag("--version", fmt::format("kaltune {}", version));
  }
  // The namespace options refer to each other: declared together.
  if (spelled.option("--netns") || spelled.option("--pid") || spelled.option("--all-netns") ||
      spelled.option("--where")) {
    auto* netns = app.add_option(
        "--netns", global.target.netns,
        "Work on this network namespace: a name under /run/netns, or a namespace file");
    netns->type_name("NAME|PATH")->check(non_empty());
    auto* pid =
        app.add_option("--pid", global.target.pid, "Work on the network namespace of process PID");
    pid->type_name("PID")->check(decimal(1, max_pid));
    netns->excludes(pid);
    auto* all_netns = app.add_flag(
        "--all-netns", global.all_netns,
        fmt::format("Work on every network namespace on the machine (containers, pods, ip "
                    "netns), each once: with {}",
                    all_netns_takers()));
    all_netns->excludes(netns)->excludes(pid);
    app.add_option("--where", global.where,
                   fmt::format("With --all-netns: only the namespaces where FIELD matches GLOB "
                               "(repeat: all must hold): {}",
                               where_fields_help()))
        ->type_name("FIELD=GLOB")
        ->needs(all_netns);
  }
  if (spelled.option("--root")) {
    app.add_option("--root", global.root,
                   "Read (and write) every configuration path under DIR; symlinks resolve inside "
                   "it (image builds, tests)")
        ->type_name("DIR")
        ->check(non_empty())
        ->check(CLI::ExistingDirectory);
  }
  if (spelled.option("--boot-model")) {
    app.add_option("--boot-model", global.boot_model,
                   "Which boot-time applier the boot view follows: systemd (systemd-sysctl), "
                   "procps (sysctl --system), or auto (systemd when systemd-sysctl exists under "
                   "--root)")
        ->check(CLI::IsMember({"auto", "systemd", "procps"}));
  }
  if (spelled.option("--json")) {
    app.add_flag("--json", global.json, "JSON output (a stable, documented schema)");
  }
  if (spelled.option("--color")) {
    app.add_option("--color", global.color,
                   "Colour: auto (on a terminal, unless NO_COLOR), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
  }
  if (spelled.option("--quiet")) {
    app.add_flag("-q,--quiet", global.quiet, "No warnings on stderr");
  }
  if (spelled.option("--verbose")) {
    app.add_flag("-v,--verbose", global.verbose, "Say more on stderr");
  }
  // A missing or unknown command is reported by Cli::run, with a suggestion.
  app.require_subcommand(0, 1);
  // Global options may also follow the command: `kaltune show --source boot --json`.
  app.fallthrough();
  app.footer(exit_status_help());
}

std::string join_names(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == names.size() ? " and " : ", ");
    out += names[i];
  }
  return out;
}

// The commands whose row says they take --all-netns: "show, check, sockets and set".
std::string all_netns_takers() {
  std::vector<std::string_view> names;
  for (const Command& command : commands()) {
    if (command.takes_all_netns()) {
      names.push_back(command.name);
    }
  }
  return join_names(names);
}

// --format of a row: every format it speaks but nagios, which is spelled --nagios.
std::vector<std::string> format_words(const Command& command) {
  std::vector<std::string> words;
  for (Format format : command.formats) {
    if (format != Format::nagios) {
      words.emplace_back(format_name(format));
    }
  }
  return words;
}

void declare_columns(CLI::App& sub, const Command& command, ColumnOptions& columns) {
  const std::vector<std::string> words = format_words(command);
  CLI::Option* format = nullptr;
  if (words.size() > 1) {
    format = sub.add_option_function<std::string>(
                    "--format", [&columns](const std::string& value) { columns.format = value; },
                    fmt::format("Output format: {} (default {}); --json is json",
                                fmt::join(words, ", "), words.front()))
                 ->check(CLI::IsMember(words));
  }
  if (command.speaks(Format::nagios)) {
    auto* nagios =
        sub.add_flag("--nagios", columns.nagios,
                     "One status line and the monitoring-plugin exit codes 0 OK, 1 WARNING, "
                     "2 CRITICAL, 3 UNKNOWN");
    if (format != nullptr) {
      nagios->excludes(format);
    }
  }
  if (command.output) {
    sub.add_option_function<std::string>(
           "--output", [&columns](const std::string& value) { columns.output = value; },
           "Write the output to FILE instead, atomically (a temporary file in the same "
           "directory, then rename: a reader never sees half of it); the directory must exist")
        ->type_name("FILE")
        ->check(non_empty());
  }
  if (!command.example.empty()) {
    sub.footer(fmt::format("Example: kaltune {} {}", command.name, command.example));
  }
}

// The format of a run: --nagios, --format or --json, else the row's default. A usage error when
// they disagree or the command does not speak it.
Format chosen_format(const Command& command, const ColumnOptions& columns, bool json) {
  if (columns.nagios) {
    if (json) {
      throw Error(ExitStatus::usage, "--nagios and --json ask for two formats; choose one");
    }
    return Format::nagios;
  }
  if (columns.format) {
    const Format format = *format_named(*columns.format); // CLI11 checked the word
    if (json && format != Format::json) {
      throw Error(
          ExitStatus::usage,
          fmt::format("--json and --format {} ask for two formats; choose one", *columns.format));
    }
    return format;
  }
  if (json && !command.speaks(Format::json)) {
    throw Error(ExitStatus::usage, fmt::format("{} has no JSON output", command.name));
  }
  return json ? Format::json : command.formats.front();
}

Format chosen_format(const Command& command, const ColumnOptions& columns, bool json,
                     bool all_netns) {
  const Format format = chosen_format(command, columns, json);
  if (all_netns && std::find(command.all_netns_formats.begin(), command.all_netns_formats.end(),
                             format) == command.all_netns_formats.end()) {
    std::vector<std::string_view> names;
    for (Format each : command.all_netns_formats) {
      names.push_back(format_name(each));
    }
    throw Error(ExitStatus::usage,
                fmt::format("{} --all-netns speaks {}, not {}: that format describes one "
                            "namespace",
                            command.name, join_names(names), format_name(format)));
  }
  return format;
}

// The global options as types; a usage error names what is wrong.
GlobalOptions typed_globals(const GlobalTexts& texts) {
  GlobalOptions global;
  global.target = texts.target;
  global.all_netns = texts.all_netns;
  for (const std::string& text : texts.where) {
    auto condition = parse_where(text);
    if (!condition) {
      throw Error(ExitStatus::usage, condition.error());
    }
    global.where.push_back(*condition);
  }
  global.root = Root(texts.root);
  if (texts.boot_model != "auto") {
    global.boot_model = texts.boot_model == "systemd" ? BootModel::systemd : BootModel::procps;
  }
  global.color = texts.color == "always"  ? ColorWhen::always
                 : texts.color == "never" ? ColorWhen::never
                                          : ColorWhen::auto_;
  global.quiet = texts.quiet;
  global.verbose = texts.verbose;
  return global;
}

// A command word of a row that speaks nagios, then `--nagios`, anywhere on the command line:
// read before parsing so that even a parse error can be answered the plugin way.
bool wants_nagios(int argc, const char* const* argv) {
  bool nagios_command = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    nagios_command =
        nagios_command ||
        std::any_of(commands().begin(), commands().end(), [arg](const Command& command) {
          return command.name == arg && command.speaks(Format::nagios);
        });
    if (nagios_command && arg == "--nagios") {
      return true;
    }
  }
  return false;
}

// Output that could not be written (a full disk, a closed pipe whose SIGPIPE is ignored) fails
// the run: exit 4 with the reason, never 0 with a cut or empty file.
void check_written(std::ostream& out) {
  out.flush();
  errno = 0;
  const bool failed =
      &out == &std::cout ? std::fflush(stdout) != 0 || std::ferror(stdout) != 0 : false;
  if (failed || !out) {
    const int error_number = errno;
    throw Error(ExitStatus::system,
                fmt::format("cannot write the output: {}",
                            error_number != 0 ? std::strerror(error_number) : "write error"));
  }
}

bool is_terminal(const std::ostream& stream, int fd) {
  return (&stream == &std::cout || &stream == &std::cerr) && ::isatty(fd) == 1;
}

// How a run that fails says so: kaltune's message on stderr and exit status, or, for a
// monitoring plugin, UNKNOWN (3) on stdout for any failure of its own, usage errors included
// (Nagios would read kaltune's usage status 2 as CRITICAL).
struct Failure {
  bool nagios;
  std::ostream& out;
  std::ostream& err;

  // Every message is escaped here, at the one place it leaves: a value from the command line or
  // a file cannot forge a line or send a terminal escape sequence.
  int plugin(std::string_view message) const {
    out << nagios_line(PluginStatus::unknown, message, "");
    return static_cast<int>(PluginStatus::unknown);
  }

  // Help and --version are "errors" that succeed; every real parse error is a usage error.
  int parse_error(CLI::App& app, const CLI::ParseError& error) const {
    if (nagios && error.get_exit_code() != 0) {
      return plugin(error.what());
    }
    return app.exit(error, out, err) == 0 ? 0 : static_cast<int>(ExitStatus::usage);
  }

  int usage(const std::string& problem) const {
    if (nagios) {
      return plugin(problem);
    }
    err << "kaltune: " << printable(problem) << "\nRun with --help for more information.\n";
    return static_cast<int>(ExitStatus::usage);
  }

  int error(const std::exception& error) const {
    if (nagios) {
      return plugin(error.what());
    }
    err << "kaltune: " << printable(error.what()) << '\n';
    const auto* kaltune_error = dynamic_cast<const Error*>(&error);
    return static_cast<int>(kaltune_error != nullptr ? kaltune_error->status()
                                                     : ExitStatus::system);
  }
};

Context make_context(const GlobalOptions& global, Format format, ProcSys& proc, std::ostream& out,
                     std::ostream& err) {
  const char* no_color = std::getenv("NO_COLOR");
  const bool no_color_set = no_color != nullptr && *no_color != '\0';
  const bool err_terminal = is_terminal(err, STDERR_FILENO);
  return Context{global,
                 format,
                 proc,
                 out,
                 err,
                 Style(use_color(global.color, is_terminal(out, STDOUT_FILENO), no_color_set)),
                 Style(use_color(global.color, err_terminal, no_color_set)),
                 err_terminal};
}
} // namespace

Cli::State::State(const Spelled& spelled) {
  setup_global(app, global, spelled);
  entries.reserve(commands().size());
  for (const Command& command : commands()) {
    if (!spelled.command(command)) {
      continue;
    }
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.help));
    entries.push_back(Entry{&command, sub, {}, {}});
    // Only the chosen command's options: CLI11 calls this when it meets the command word, before
    // it reads the command's arguments. Cli::app() declares all of them.
    sub->preparse_callback(
        [this, index = entries.size() - 1](std::size_t) { declare(entries[index]); });
  }
  // Only the top level collects leftovers, so "kaltune shwo" can be answered with "did you mean
  // show?"; subcommands keep rejecting unknown options themselves.
  app.allow_extras(true);
}

Cli::Cli() = default;

Cli::~Cli() = default;

CLI::App& Cli::app() {
  if (!state_ || !state_->whole) {
    state_ = std::make_unique<State>(Spelled::everything());
    state_->whole = true;
  }
  for (State::Entry& entry : state_->entries) {
    state_->declare(entry);
  }
  return state_->app;
}

int Cli::run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  // The parts of the model this line needs; if they do not parse it cleanly, the whole model
  // answers, with its messages.
  const bool whole = state_ && state_->whole; // app() was asked for: it answers
  if (const auto spelled = whole ? std::nullopt : Spelled::of(argc, argv)) {
    auto part = std::make_unique<State>(*spelled);
    bool clean = true;
    try {
      part->app.parse(argc, argv);
    } catch (const CLI::ParseError&) {
      clean = false;
    }
    if (clean && !command_problem(part->app)) {
      state_ = std::move(part);
      return state_->run_chosen(Failure{wants_nagios(argc, argv), out, err}, out, err);
    }
  }
  if (!whole) {
    state_ = std::make_unique<State>(Spelled::everything());
    state_->whole = true;
  }
  State& state = *state_;
  const Failure failure{wants_nagios(argc, argv), out, err};
  try {
    state.app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return failure.parse_error(state.app, error);
  }
  if (auto problem = command_problem(state.app)) {
    return failure.usage(*problem);
  }
  return state.run_chosen(failure, out, err);
}

int Cli::State::run_chosen(const Failure& failure, std::ostream& out, std::ostream& err) {
  const Entry& entry = chosen();
  const Command& command = *entry.command;
  if (global.all_netns && !command.takes_all_netns()) {
    return failure.usage(
        fmt::format("--all-netns works with {}, not {}", all_netns_takers(), command.name));
  }
  try {
    const GlobalOptions typed = typed_globals(global);
    const Format format = chosen_format(command, entry.columns, global.json, global.all_netns);
    enter_netns(typed.target);
    RealProcSys proc;
    Context context = make_context(typed, format, proc, out, err);
    const int status = run_with_output(context, entry.columns.output, entry.run);
    check_written(out);
    return status;
  } catch (const std::exception& error) {
    return failure.error(error);
  }
}

} // namespace kaltune
