#include "core/sources.hpp"

#include "core/runtime.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace kaltune {

namespace {
// The bytes of a file as given, or nullopt when it cannot be opened here (then the config-file
// reader, which resolves it under --root, reports why).
std::optional<std::string> read_if_possible(std::string_view spec) {
  const std::string path(spec);
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw Error(ExitStatus::system, fmt::format("cannot read source {}: is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
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

} // namespace

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
  const std::optional<std::string> content = read_if_possible(spec);
  if (content && looks_like_json(*content)) {
    auto snapshot = settings_from_snapshot(spec, *content);
    if (!snapshot) {
      throw Error(ExitStatus::usage, snapshot.error());
    }
    return *snapshot;
  }
  // Not a snapshot: a config file, read (under --root) as `show --source FILE` reads it.
  SourcedSettings settings = readers.file(std::string(spec)).settings;
  settings.source = std::string(spec);
  return settings;
}

} // namespace kaltune
