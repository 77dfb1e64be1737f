#pragma once

// The one place JSON becomes text. Strings come from files and processes (config lines, command
// names) and need not be UTF-8; nlohmann::json throws on invalid UTF-8 by default, so every dump
// replaces such bytes with U+FFFD instead of failing the command.

#include "base/source.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace kaltune {

// Indented by 2, as every command prints it.
std::string dump_json(const nlohmann::ordered_json& value);
// On one line, for the pieces of a streamed document.
std::string dump_json_compact(const nlohmann::ordered_json& value);

// The `settings` object of every document that reports values (show, set, reset, diff, check,
// persist's boot view, the sockets summary, verify): keyed by sysctl name, the three keys in
// order, each {"value": N, "unit": "seconds"|"count", "origin": "..."} (README "JSON schema").
nlohmann::ordered_json settings_json(const SourcedSettings& settings);

} // namespace kaltune
