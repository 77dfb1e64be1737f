#include "core/sources.hpp"

#include "core/runtime.hpp"
#include "sys/conftree.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>

namespace kaltune {

namespace {
// The bytes of a source file at `host` (`spec` names it in messages). Only a regular file is
// read, and only up to max_config_bytes: /dev/zero, a FIFO or a directory is refused (exit 4,
// as everywhere), never read or waited on; a file that cannot be opened or read is 3 or 4.
std::string read_source(const std::filesystem::path& host, std::string_view spec) {
  OpenedFile file = read_if_regular(host, fmt::format("source {}", spec), max_config_bytes + 1);
  if (file.kind == FileKind::null_device) {
    return ""; // /dev/null: an empty config file, as `show --source` reads it
  }
  if (file.kind != FileKind::regular) {
    throw not_regular_file(fmt::format("source {}", spec), file.kind,
                           "a sysctl config file or a `kaltune --json show` snapshot must be one");
  }
  if (file.content.size() > max_config_bytes) {
    throw Error(ExitStatus::system,
                fmt::format("source {} is larger than {}: not read (not a sysctl config file or a "
                            "`kaltune --json show` snapshot)",
                            spec, max_config_text));
  }
  return std::move(file.content);
}

bool looks_like_json(std::string_view content) {
  const auto first = content.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && content[first] == '{';
}

} // namespace

Result<SourcedSettings> settings_from_snapshot(std::string_view label, std::string_view content) {
  using Failure = Result<SourcedSettings>;
  const std::string not_one = fmt::format("{}: not a `kaltune --json show` snapshot", label);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(content);
  } catch (const nlohmann::json::exception& e) {
    return Failure::failure(fmt::format("{}: {}", not_one, e.what()));
  }
  if (!json.is_object() || !json.contains("settings") || !json["settings"].is_object()) {
    return Failure::failure(fmt::format("{}: no \"settings\" object", not_one));
  }
  const auto& settings = json["settings"];
  SourcedSettings out;
  out.source = std::string(label);
  for (Key key : all_keys) {
    const std::string name(sysctl_name(key));
    if (!settings.contains(name) && !in_first_snapshots(key)) {
      // A snapshot of a kaltune from before this key: the kernel's default, and the origin says
      // it was not there.
      out[key] = {kernel_defaults[key], "kernel default (not in the snapshot)"};
      continue;
    }
    if (!settings.contains(name)) {
      return Failure::failure(fmt::format("{}: settings.\"{}\" is missing", not_one, name));
    }
    const auto& entry = settings[name];
    if (!entry.is_object() || !entry.contains("value")) {
      return Failure::failure(fmt::format("{}: settings.\"{}\" has no \"value\"", not_one, name));
    }
    const auto& value = entry["value"];
    if (!value.is_number_integer()) {
      return Failure::failure(fmt::format("{}: settings.\"{}\".value is {}, not an integer",
                                          not_one, name, value.type_name()));
    }
    // What a kernel can hold and report, whatever its HZ (a HZ=250 host runs with 3 000 000 s
    // and `show --json` says so): anything else is no real host's value, and would overflow
    // the detection time.
    const Range range = reported_range(key);
    const bool in_range = value.is_number_unsigned()
                              ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(range.max)
                              : range.contains(value.get<std::int64_t>());
    if (!in_range) {
      return Failure::failure(fmt::format("{}: {} = {} is outside what any kernel holds ({} to {})",
                                          label, name, value.dump(), range.min, range.max));
    }
    out[key].value = value.get<std::int64_t>();
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
  if (spec.empty()) {
    throw Error(ExitStatus::usage, "the source is empty: running, boot, default or a path");
  }
  // A path: inside --root as `show --source FILE` takes it (relative paths from the root),
  // symlinks resolved inside the root.
  const std::string system_path = system_path_of(readers.root, spec);
  const RootPath resolved = resolve_in_root(readers.root, system_path);
  if (spec.find('/') == std::string_view::npos && !resolved.loop &&
      stat_errno(resolved.host) == ENOENT) {
    throw Error(ExitStatus::usage,
                fmt::format("unknown source '{}': running, boot, default, a sysctl config file or "
                            "a `kaltune --json show` snapshot (a path)",
                            spec));
  }
  if (resolved.loop) {
    throw symlink_loop(fmt::format("source {}", spec));
  }
  const std::string content =
      resolved.system == "/dev/null" ? std::string() : read_source(resolved.host, spec);
  if (looks_like_json(content)) {
    auto snapshot = settings_from_snapshot(spec, content);
    if (!snapshot) {
      throw Error(ExitStatus::usage, snapshot.error());
    }
    return *snapshot;
  }
  // Not a snapshot: a config file, applied alone as `show --source FILE` applies it.
  const ConfNode node{system_path, resolved.system, NodeKind::regular, content};
  SourcedSettings settings = readers.file(node).settings;
  settings.source = std::string(spec);
  return settings;
}

} // namespace kaltune
