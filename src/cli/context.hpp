#pragma once

#include "config/boot.hpp"
#include "core/all_netns.hpp"
#include "render/format.hpp"
#include "render/style.hpp"
#include "sys/netns.hpp"
#include "sys/procsys.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace kaltune {

// --root: the tree every configuration path is read (and written) under; "/" is this system.
class Root {
public:
  Root() = default;
  explicit Root(std::filesystem::path path) : path_(std::move(path)) {}
  const std::filesystem::path& path() const { return path_; }
  std::string string() const { return path_.string(); }
  // This system itself: its running kernel is the one the files configure.
  bool is_host() const { return path_ == "/"; }

private:
  std::filesystem::path path_ = "/";
};

// The global options, parsed once into types (cli/app): the options before (or after) the
// command that apply to all of them.
struct GlobalOptions {
  NetnsTarget target;
  bool all_netns = false;            // --all-netns: every network namespace on the machine
  std::vector<WhereCondition> where; // --where FIELD=GLOB: narrows --all-netns
  Root root;
  std::optional<BootModel> boot_model; // --boot-model; nullopt: auto
  ColorWhen color = ColorWhen::auto_;
  bool quiet = false;
  bool verbose = false;
};

// What a command runs against: its options, the seams to the system, and where output goes.
// Data goes to `out`, diagnostics to `err`.
struct Context {
  const GlobalOptions& global;
  Format format; // --format, --json or --nagios, else the first format of the command's row
  ProcSys& proc;
  std::ostream& out;
  std::ostream& err;
  Style out_style; // colour decided per stream: each may or may not be a terminal
  Style err_style;
  bool err_terminal; // stderr is a terminal: progress lines may be drawn there

  // The boot model --boot-model asks for; auto looks for systemd-sysctl under --root.
  BootModel boot_model() const;
  // A warning on stderr, unless --quiet.
  void warn(const std::string& message) const;
  // A progress or detail line on stderr, only with --verbose.
  void info(const std::string& message) const;
};

} // namespace kaltune
