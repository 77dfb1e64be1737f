#pragma once

#include "base/keepalive.hpp"
#include "base/source.hpp"
#include "core/busy.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace kaltune {

// What `show` reports: the values of a source and what they mean.
struct ShowReport {
  SourcedSettings settings;
  std::optional<std::string> netns; // the namespace file read, when one was given
  // The namespace's retransmission limits (tcp_rto_max_ms, tcp_rto_min_us) for the busy half;
  // tcp_retries2 is one of the settings.
  BusyInputs busy{};
};

// The busy half of `settings`: tcp_retries2 from them, the RTO limits from `busy`.
BusyRange busy_half(const Settings& settings, BusyInputs busy);

// The human table: key, value with units, meaning; detection time; the SO_KEEPALIVE caveat.
std::string render_table(const ShowReport& report, const Style& style);
// `net.ipv4.tcp_keepalive_time = 7200` lines: valid sysctl.conf input.
std::string render_sysctl(const SourcedSettings& settings);
// The documented JSON schema (README "JSON schema"); ordered for stable output.
nlohmann::ordered_json to_json(const ShowReport& report);
// The same as indented text with a final newline: what `--json` prints.
std::string render_json(const ShowReport& report);
// Warnings for values outside the socket API, one line each, prefixed "warning: ".
std::string render_warnings(const Settings& settings, const Style& style);

} // namespace kaltune
