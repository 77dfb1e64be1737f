#pragma once

// The output formats of every command: one enum, parsed once from `--format`, `--json` or
// `--nagios` (cli/app), never compared as text where it is used. Each row of the command table
// (cli/commands.cpp) lists the formats its command speaks.

#include <optional>
#include <string_view>

namespace kaltune {

enum class Format {
  table,      // a human table (show, sockets, diff --format table, plan)
  text,       // human lines that are no table (set, reset, verify, check)
  json,       // the documented schema; also `--json`
  sysctl,     // `key = value` lines a sysctl.d file may hold
  prometheus, // the exposition format of the node exporter's textfile collector
  unified,    // a unified diff (diff)
  kubernetes, // a pod securityContext snippet (plan)
  docker,     // `--sysctl` flags (plan)
  nagios,     // one monitoring-plugin status line (check; spelled `--nagios`)
};

// "table", "json", ...: the word `--format` takes.
std::string_view format_name(Format format);
// The format a word names, or nullopt.
std::optional<Format> format_named(std::string_view name);

} // namespace kaltune
