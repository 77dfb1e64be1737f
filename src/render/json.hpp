#pragma once

// The one place JSON becomes text. Strings come from files and processes (config lines, command
// names) and need not be UTF-8; nlohmann::json throws on invalid UTF-8 by default, so every dump
// replaces such bytes with U+FFFD instead of failing the command.

#include "base/source.hpp"

#include <nlohmann/json_fwd.hpp>

#include <iosfwd>
#include <string>
#include <string_view>

namespace kaltune {

// Indented by 2, as every command prints it.
std::string dump_json(const nlohmann::ordered_json& value);
// On one line, for the pieces of a streamed document.
std::string dump_json_compact(const nlohmann::ordered_json& value);

// Writes the text dump_json makes of an object, member by member, to a stream: a long array
// (a boot view's assignments) is never one JSON tree in memory, each element is dumped and
// dropped. Members come in the order written; end() closes the object and the line.
class JsonObjectWriter {
public:
  explicit JsonObjectWriter(std::ostream& out);
  void member(std::string_view key, const nlohmann::ordered_json& value);
  // Every member of `object`, in its order.
  void members(const nlohmann::ordered_json& object);
  void begin_array(std::string_view key);
  void element(const nlohmann::ordered_json& value);
  void end_array();
  void end();

private:
  void key(std::string_view key);
  std::ostream& out_;
  bool first_member_ = true;
  bool first_element_ = true;
};

// The `settings` object of every document that reports values (show, set, reset, diff, check,
// persist's boot view, the sockets summary, verify): keyed by sysctl name, the three keys in
// order, each {"value": N, "unit": "seconds"|"count", "origin": "..."} (README "JSON schema").
nlohmann::ordered_json settings_json(const SourcedSettings& settings);

} // namespace kaltune
