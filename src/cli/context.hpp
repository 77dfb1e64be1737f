#pragma once

#include "render/style.hpp"
#include "sys/netns.hpp"
#include "sys/procsys.hpp"

#include <iosfwd>
#include <string>

namespace kaltune {

// Options that come before the command and apply to all of them.
struct GlobalOptions {
  NetnsTarget target;
  std::string root = "/";
  std::string boot_model = "auto";
  bool json = false;
  std::string color = "auto";
  bool quiet = false;
  bool verbose = false;
};

// What a command runs against: its options, the seams to the system, and where output goes.
// Data goes to `out`, diagnostics to `err`.
struct Context {
  const GlobalOptions& global;
  ProcSys& proc;
  std::ostream& out;
  std::ostream& err;
  Style out_style; // colour decided per stream: each may or may not be a terminal
  Style err_style;
  bool err_terminal; // stderr is a terminal: progress lines may be drawn there

  // A warning on stderr, unless --quiet.
  void warn(const std::string& message) const;
  // A progress or detail line on stderr, only with --verbose.
  void info(const std::string& message) const;
};

} // namespace kaltune
