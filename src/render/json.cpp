#include "render/json.hpp"

#include <nlohmann/json.hpp>

#include <ostream>

namespace kaltune {

namespace {
// dump_json of a value nested `depth` levels deep: its inner lines indented further. A dump has
// no raw newline but its own (strings escape theirs).
void write_nested(std::ostream& out, const nlohmann::ordered_json& value, int depth) {
  const std::string text = dump_json(value);
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  std::size_t start = 0;
  for (std::size_t newline = text.find('\n'); newline != std::string::npos;
       newline = text.find('\n', start)) {
    out.write(text.data() + start, static_cast<std::streamsize>(newline + 1 - start));
    out << indent;
    start = newline + 1;
  }
  out.write(text.data() + start, static_cast<std::streamsize>(text.size() - start));
}
} // namespace

JsonStream::JsonStream(std::ostream& out) : out_(out) {
  out_ << '{';
}

void JsonStream::key(std::string_view key) {
  out_ << (first_member_ ? "\n  " : ",\n  ") << dump_json(nlohmann::ordered_json(key)) << ": ";
  first_member_ = false;
}

void JsonStream::member(std::string_view key, const nlohmann::ordered_json& value) {
  this->key(key);
  write_nested(out_, value, 1);
}

void JsonStream::members(const nlohmann::ordered_json& object) {
  for (const auto& [key, value] : object.items()) {
    member(key, value);
  }
}

void JsonStream::begin_array(std::string_view key) {
  this->key(key);
  out_ << '[';
  first_element_ = true;
  in_array_ = true;
}

void JsonStream::next_element() {
  out_ << (first_element_ ? "\n    " : ",\n    ");
  first_element_ = false;
}

void JsonStream::element(const nlohmann::ordered_json& value) {
  next_element();
  write_nested(out_, value, 2);
}

void JsonStream::element_text(std::string_view compact) {
  next_element();
  out_ << compact;
}

void JsonStream::end_array() {
  out_ << (first_element_ ? "]" : "\n  ]");
  in_array_ = false;
}

void JsonStream::end() {
  out_ << (first_member_ ? "}\n" : "\n}\n");
  ended_ = true;
}

void JsonStream::abort(std::string_view error) {
  if (ended_) {
    return;
  }
  if (in_array_) {
    end_array();
  }
  member("error", std::string(error));
  end();
}

void stream_json(std::ostream& out, const std::function<void(JsonStream&)>& body) {
  JsonStream json(out);
  try {
    body(json);
  } catch (const std::exception& error) {
    json.abort(error.what());
    throw;
  }
  json.end();
}

std::string dump_json(const nlohmann::ordered_json& value) {
  return value.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string dump_json_compact(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json busy_json(const BusyRange& busy) {
  return {{"rule", busy.limit.rule == BusyRule::retries2 ? "tcp_retries2" : "TCP_USER_TIMEOUT"},
          {"limit_ms", busy.limit.ms},
          {"earliest_ms", busy.earliest_ms},
          {"worst_ms", busy.worst_ms},
          {"latest_ms", busy.latest_ms},
          {"survives_ms", busy.survives_ms}};
}

nlohmann::ordered_json settings_json(const SourcedSettings& settings) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (Key key : all_keys) {
    out[std::string(sysctl_name(key))] = {{"value", settings[key].value},
                                          {"unit", is_duration(key) ? "seconds" : "count"},
                                          {"origin", settings[key].origin}};
  }
  return out;
}

} // namespace kaltune
