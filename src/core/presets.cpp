#include "core/presets.hpp"

#include "core/duration.hpp"
#include "sys/procsys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

namespace kaltune {

namespace {
// The kernel's default for nf_conntrack_tcp_timeout_established: 5 days.
constexpr std::int64_t conntrack_default = 432000;
// What the conntrack sysctl (jiffies, like the keepalive times) stores on every kernel.
constexpr Range conntrack_range{1, max_jiffies_seconds};

// Numbers and ranges as the vendors document them; each row names the document and the date the
// number was last compared with it. Where a vendor gives minutes, the seconds are exact multiples.
constexpr std::array<Preset, 15> table{{
    {"aws-nlb", "AWS Network Load Balancer (TCP listener)", 350, Range{60, 6000}, true,
     "Elastic Load Balancing, Network Load Balancers: \"Update the TCP idle timeout\"",
     "2026-11-30"},
    {"aws-gwlb", "AWS Gateway Load Balancer", 350, Range{60, 6000}, true,
     "Elastic Load Balancing, Gateway Load Balancers: \"Idle timeout\"", "2026-11-30"},
    {"aws-nat-gateway", "AWS NAT gateway", 350, std::nullopt, true,
     "Amazon VPC User Guide: \"NAT gateway basics\" (idle connection timeout)", "2026-11-30"},
    {"aws-network-firewall", "AWS Network Firewall (stateful flow table)", 350, Range{60, 6000},
     true, "AWS Network Firewall API Reference: \"FlowTimeouts\" (TcpIdleTimeoutSeconds)",
     "2026-11-30"},
    {"aws-security-group", "EC2 security group connection tracking", 432000, Range{60, 432000},
     true, "Amazon EC2 API Reference: \"ConnectionTrackingConfiguration\" (tcpEstablishedTimeout)",
     "2026-11-30"},
    {"aws-security-group-nitro-v6",
     "EC2 security group connection tracking on Nitro v6 instance types", 350, Range{60, 432000},
     true,
     "Amazon EC2 API Reference: \"ConnectionTrackingConfiguration\" (350 s for Nitro v6 types)",
     "2026-11-30"},
    {"aws-alb", "AWS Application Load Balancer", 60, Range{1, 4000}, false,
     "Elastic Load Balancing, Application Load Balancers: \"Connection idle timeout\"",
     "2026-11-30"},
    {"aws-clb", "AWS Classic Load Balancer", 60, Range{1, 3600}, false,
     "Elastic Load Balancing, Classic Load Balancers: \"Configure the idle connection timeout\"",
     "2026-11-30"},
    {"gcp-firewall", "Google Cloud VPC firewall connection tracking", 600, std::nullopt, true,
     "Google Cloud VPC: \"VPC firewall rules\" (connection tracking, 10 minutes)", "2026-11-30"},
    {"gcp-cloud-nat", "Google Cloud NAT (TCP established)", 1200, Range{1, 2147483647}, true,
     "Google Cloud NAT: \"NAT timeouts\" (tcpEstablishedIdleTimeoutSec)", "2026-11-30"},
    {"azure-lb", "Azure Load Balancer (rules, outbound and inbound NAT rules)", 240,
     Range{240, 6000}, true,
     "Azure Load Balancer: \"Configure TCP reset and idle timeout\" (4 to 100 minutes)",
     "2026-11-30"},
    {"azure-nat-gateway", "Azure NAT Gateway", 240, Range{240, 7200}, true,
     "Azure NAT Gateway: \"NAT gateway resource\" (TCP idle timeout 4 to 120 minutes)",
     "2026-11-30"},
    {"nf-conntrack", "Linux nf_conntrack (TCP established)", conntrack_default, conntrack_range,
     true, "Linux Documentation/networking/nf_conntrack-sysctl.rst", "2026-11-30"},
    {"kube-proxy-conntrack", "kube-proxy conntrack (--conntrack-tcp-timeout-established)", 86400,
     conntrack_range, true, "Kubernetes kube-proxy reference (default 24h0m0s)", "2026-11-30"},
    {"kube-proxy-ipvs", "kube-proxy in IPVS mode (IPVS TCP established)", 900, conntrack_range,
     true, "Kubernetes kube-proxy reference (--ipvs-tcp-timeout); Linux IPVS default 15 min",
     "2026-11-30"},
}};

std::string preset_names() {
  std::vector<std::string_view> names;
  for (const Preset& preset : table) {
    names.push_back(preset.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string range_text(const Range& range) {
  return fmt::format("{}-{} s", range.min, range.max);
}

bool starts_like_duration(std::string_view text) {
  return !text.empty() && text.front() >= '0' && text.front() <= '9';
}
} // namespace

std::span<const Preset> presets() {
  return table;
}

const Preset* find_preset(std::string_view name) {
  for (const Preset& preset : table) {
    if (preset.name == name) {
      return &preset;
    }
  }
  return nullptr;
}

PresetEnvironment read_preset_environment(ProcSys& proc) {
  PresetEnvironment out;
  std::string text;
  try {
    text = proc.read(conntrack_sysctl);
  } catch (const Error&) {
    return out; // nf_conntrack not loaded in this namespace (or not readable): the default
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc() && end == text.data() + text.size()) {
    out.conntrack_established = value;
  }
  return out;
}

ResolvedPreset resolve_preset(const Preset& preset, const PresetEnvironment& environment) {
  ResolvedPreset out{&preset, preset.seconds, PresetOrigin::table, false};
  if (preset.name == "nf-conntrack") {
    if (environment.conntrack_established) {
      out.seconds = std::max<std::int64_t>(0, *environment.conntrack_established);
      out.origin = PresetOrigin::running_kernel;
      out.zero_timeout = out.seconds == 0;
    } else {
      out.origin = PresetOrigin::kernel_default;
    }
  }
  return out;
}

Result<IdleTimeout> parse_idle_timeout(std::string_view text,
                                       const PresetEnvironment& environment) {
  using R = Result<IdleTimeout>;
  IdleTimeout out;
  out.text = std::string(text);
  if (starts_like_duration(text)) {
    auto seconds = parse_positive_duration(text);
    if (!seconds) {
      return R::failure(
          fmt::format("invalid --idle-timeout value '{}': {}", text, seconds.error()));
    }
    out.seconds = *seconds;
    return out;
  }
  const std::size_t equals = text.find('=');
  const std::string_view name = text.substr(0, equals);
  const Preset* preset = find_preset(name);
  if (preset == nullptr) {
    return R::failure(
        fmt::format("invalid --idle-timeout value '{}': not a duration and no preset of that name "
                    "(presets: {})",
                    text, preset_names()));
  }
  ResolvedPreset resolved = resolve_preset(*preset, environment);
  if (equals != std::string_view::npos) {
    const std::string_view value = text.substr(equals + 1);
    if (!preset->configurable) {
      return R::failure(fmt::format("invalid --idle-timeout value '{}': the idle timeout of {} "
                                    "is fixed at {} s and cannot be overridden",
                                    text, preset->name, preset->seconds));
    }
    auto seconds = parse_duration(value);
    if (!seconds) {
      return R::failure(
          fmt::format("invalid --idle-timeout value '{}': {}", text, seconds.error()));
    }
    if (!preset->configurable->contains(*seconds)) {
      return R::failure(fmt::format("invalid --idle-timeout value '{}': {} can be set to {}, "
                                    "not {} s",
                                    text, preset->name, range_text(*preset->configurable),
                                    *seconds));
    }
    resolved.seconds = *seconds;
    resolved.origin = PresetOrigin::override_given;
    resolved.zero_timeout = false;
  }
  out.seconds = resolved.seconds;
  out.preset = std::move(resolved);
  return out;
}

} // namespace kaltune
