#include "core/sources.hpp"

#include "config/editor.hpp"
#include "config/lexer.hpp"
#include "core/runtime.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace kaltune {

namespace {
std::string read_source_file(std::string_view spec) {
  const std::string path(spec);
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw Error(ExitStatus::system, fmt::format("cannot read source {}: is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw SystemError(errno, fmt::format("cannot read source {}", path));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    throw SystemError(errno, fmt::format("cannot read source {}", path));
  }
  return buffer.str();
}

bool looks_like_json(std::string_view content) {
  const auto first = content.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && content[first] == '{';
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return 99;
}
} // namespace

std::optional<std::int64_t> kernel_reading(Key key, std::string_view text) {
  std::size_t pos = 0;
  const bool negative = pos < text.size() && text[pos] == '-';
  pos += negative ? 1 : 0;
  int base = 10;
  if (pos + 1 < text.size() && text[pos] == '0' && (text[pos + 1] == 'x' || text[pos + 1] == 'X') &&
      pos + 2 < text.size() && digit_value(text[pos + 2]) < 16) {
    base = 16;
    pos += 2;
  } else if (pos < text.size() && text[pos] == '0') {
    base = 8;
  }
  std::int64_t value = 0;
  const std::size_t digits_start = pos;
  while (pos < text.size() && digit_value(text[pos]) < base) {
    value = value * base + digit_value(text[pos]);
    if (value > (std::int64_t{1} << 40)) {
      return std::nullopt;
    }
    ++pos;
  }
  if (pos == digits_start ||
      (pos < text.size() && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n')) {
    return std::nullopt;
  }
  value = negative ? -value : value;
  if (!kernel_range(key).contains(value)) {
    return std::nullopt;
  }
  return value;
}

SourcedSettings settings_from_conf(std::string_view label, std::string_view content) {
  SourcedSettings out = sourced(std::string(label), kernel_defaults, "kernel default");
  for (const ConfLine& line : lex_conf(content)) {
    if (line.kind != ConfLine::Kind::assignment) {
      continue;
    }
    const auto key = assigned_key(line.key());
    if (!key) {
      continue;
    }
    if (auto value = kernel_reading(*key, line.value())) {
      out[*key] = {*value, fmt::format("{}:{}", label, line.number)};
    }
  }
  return out;
}

Result<SourcedSettings> settings_from_snapshot(std::string_view label, std::string_view content) {
  using Failure = Result<SourcedSettings>;
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(content);
  } catch (const nlohmann::json::exception& e) {
    return Failure::failure(
        fmt::format("{}: not a `kaltune --json show` snapshot: {}", label, e.what()));
  }
  SourcedSettings out;
  out.source = std::string(label);
  for (Key key : all_keys) {
    const std::string name(sysctl_name(key));
    if (!json.is_object() || !json.contains("settings") || !json["settings"].is_object() ||
        !json["settings"].contains(name) || !json["settings"][name].is_object() ||
        !json["settings"][name].contains("value") ||
        !json["settings"][name]["value"].is_number_integer()) {
      return Failure::failure(
          fmt::format("{}: not a `kaltune --json show` snapshot: no integer settings.\"{}\".value",
                      label, name));
    }
    const auto& entry = json["settings"][name];
    out[key].value = entry["value"].get<std::int64_t>();
    out[key].origin = entry.contains("origin") && entry["origin"].is_string()
                          ? entry["origin"].get<std::string>()
                          : std::string(label);
  }
  return out;
}

SourcedSettings load_source(std::string_view spec, const SourceReaders& readers) {
  if (spec == "running") {
    return sourced("running", read_running(readers.proc), "running");
  }
  if (spec == "boot") {
    SourcedSettings boot = readers.boot().settings;
    boot.source = "boot";
    return boot;
  }
  if (spec == "default") {
    return sourced("default", kernel_defaults, "kernel default");
  }
  std::error_code ignored;
  if (spec.find('/') == std::string_view::npos &&
      !std::filesystem::exists(std::filesystem::path(spec), ignored)) {
    throw Error(ExitStatus::usage,
                fmt::format("unknown source '{}': running, boot, default, a sysctl config file or "
                            "a `kaltune --json show` snapshot (a path)",
                            spec));
  }
  const std::string content = read_source_file(spec);
  if (looks_like_json(content)) {
    auto snapshot = settings_from_snapshot(spec, content);
    if (!snapshot) {
      throw Error(ExitStatus::usage, snapshot.error());
    }
    return *snapshot;
  }
  return settings_from_conf(spec, content);
}

} // namespace kaltune
