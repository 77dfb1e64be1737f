#pragma once

// The one place JSON becomes text. Strings come from files and processes (config lines, command
// names) and need not be UTF-8; nlohmann::json throws on invalid UTF-8 by default, so every dump
// replaces such bytes with U+FFFD instead of failing the command.

#include "base/source.hpp"
#include "core/busy.hpp"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace kaltune {

// Indented by 2, as every command prints it.
std::string dump_json(const nlohmann::ordered_json& value);
// On one line, for the pieces of a streamed document.
std::string dump_json_compact(const nlohmann::ordered_json& value);

// The one writer of a streamed JSON document: an object written member by member, its arrays
// element by element, as dump_json indents the whole, so that a long array (a boot view's
// assignments, every socket, every namespace) is never one JSON tree in memory: each element is
// dumped and dropped. Members come in the order written; end() closes the object and the line.
// A document cut short by a failure is closed by abort() with an "error" member instead, so that
// what the stream holds is still one valid JSON document (see stream_json).
class JsonStream {
public:
  explicit JsonStream(std::ostream& out);
  void member(std::string_view key, const nlohmann::ordered_json& value);
  // Every member of `object`, in its order.
  void members(const nlohmann::ordered_json& object);
  void begin_array(std::string_view key);
  // An element, indented as dump_json would.
  void element(const nlohmann::ordered_json& value);
  // An element already dumped on one line (dump_json_compact), for the hottest streams.
  void element_text(std::string_view compact);
  void end_array();
  void end();
  // Closes an open array and the object with {"error": message}; nothing once ended.
  void abort(std::string_view error);

private:
  void key(std::string_view key);
  void next_element();
  std::ostream& out_;
  bool first_member_ = true;
  bool first_element_ = true;
  bool in_array_ = false;
  bool ended_ = false;
};

// Runs `body` over a JsonStream on `out`, then ends the document. When `body` throws, the
// document is closed with the error (JsonStream::abort) and the exception goes on: the message
// still reaches stderr with its exit status, and stdout stays valid JSON.
void stream_json(std::ostream& out, const std::function<void(JsonStream&)>& body);

// The `settings` object of every document that reports values (show, set, reset, diff, check,
// persist's boot view, the sockets summary, verify): keyed by sysctl name, the three keys in
// order, each {"value": N, "unit": "seconds"|"count", "origin": "..."} (README "JSON schema").
nlohmann::ordered_json settings_json(const SourcedSettings& settings);

// The busy half as every document reports it: {"limit_ms", "earliest_ms", "worst_ms",
// "latest_ms", "survives_ms"} (integers, ms after the last send but for the limit, which counts
// from the first retransmission).
nlohmann::ordered_json busy_json(const BusyRange& busy);

} // namespace kaltune
