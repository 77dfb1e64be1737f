#pragma once

#include "base/error.hpp"
#include "base/keepalive.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kaltune {

class ProcSys;

// A middlebox users meet on the path of a TCP connection, and how long it remembers an idle flow.
struct Preset {
  std::string_view name;             // "aws-nlb": what --idle-timeout and --preset take
  std::string_view middlebox;        // "AWS Network Load Balancer (TCP listener)"
  std::int64_t seconds;              // the idle timeout it applies unless configured otherwise
  std::optional<Range> configurable; // the values it can be set to; nullopt: fixed
  bool keepalive_resets;             // false: TCP keepalive probes do not count as traffic
  std::string_view source;           // the document the number comes from
  std::string_view as_of;            // when the number was last compared with it (YYYY-MM-DD)
};

// Every preset, in the order `plan --list-presets` prints them.
std::span<const Preset> presets();
const Preset* find_preset(std::string_view name);

// What the running system says about the presets that depend on it. The nf-conntrack preset
// takes the running kernel's nf_conntrack_tcp_timeout_established when the module is loaded.
struct PresetEnvironment {
  std::optional<std::int64_t> conntrack_established; // as the kernel prints it, 0 included
};
// Reads net.netfilter.nf_conntrack_tcp_timeout_established through `proc`; absent (not loaded,
// unreadable, or not an integer) leaves the kernel's default of 432000 s.
PresetEnvironment read_preset_environment(ProcSys& proc);
inline constexpr std::string_view conntrack_sysctl =
    "net.netfilter.nf_conntrack_tcp_timeout_established";

// Where a preset's number comes from.
enum class PresetOrigin {
  table,          // the vendor's documented default (the table)
  override_given, // NAME=DURATION
  running_kernel, // nf-conntrack: the namespace's nf_conntrack_tcp_timeout_established
  kernel_default, // nf-conntrack: the module is not loaded here; the kernel's 5 days
};

// A preset with the number it has here: the kernel's value for nf-conntrack, or an override.
// A running nf_conntrack_tcp_timeout_established of 0 (or below) is not "unset": conntrack then
// forgets an idle established flow at once (nf_conntrack_tcp_loose may pick it up again when
// its next packet comes, unless NAT rewrote it), so it resolves to an idle timeout of 0 s, which
// no keepalive value meets, and `zero_timeout` says why.
struct ResolvedPreset {
  const Preset* preset = nullptr;
  std::int64_t seconds = 0;
  PresetOrigin origin = PresetOrigin::table;
  bool zero_timeout = false;
};
ResolvedPreset resolve_preset(const Preset& preset, const PresetEnvironment& environment);

// One --idle-timeout goal: a duration, or a preset name with an optional `=DURATION` override
// where the middlebox is configurable ("aws-nlb=600s").
struct IdleTimeout {
  std::string text; // as given, for messages and the goal lines
  std::int64_t seconds = 0;
  std::optional<ResolvedPreset> preset;
  bool keepalive_resets() const { return !preset || preset->preset->keepalive_resets; }
};

// Parses an --idle-timeout value. Failures name the value and what is accepted: an unknown
// preset (with the closest names), an override of a fixed middlebox, an override outside the
// configurable range, a duration under 1 s.
Result<IdleTimeout> parse_idle_timeout(std::string_view text, const PresetEnvironment& environment);

} // namespace kaltune
