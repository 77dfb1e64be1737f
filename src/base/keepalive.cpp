#include "base/keepalive.hpp"

#include <fmt/format.h>

namespace kaltune {

namespace {
struct KeyInfo {
  std::string_view sysctl;
  std::string_view short_name;
  std::string_view meaning;
  Range api;
  Range kernel;
};

// time/intvl: max_jiffies_seconds either way; tcp_keepalive_probes is a u8
// (proc_dou8vec_minmax): 0-255.
constexpr std::int64_t jiffies_limit = max_jiffies_seconds;

// MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL and MAX_TCP_KEEPCNT of include/net/tcp.h.
constexpr std::array<KeyInfo, key_count> infos{{
    {"net.ipv4.tcp_keepalive_time",
     "time",
     "idle time before the first keepalive probe",
     {1, 32767},
     {-jiffies_limit, jiffies_limit}},
    {"net.ipv4.tcp_keepalive_intvl",
     "intvl",
     "time between unanswered probes",
     {1, 32767},
     {-jiffies_limit, jiffies_limit}},
    {"net.ipv4.tcp_keepalive_probes",
     "probes",
     "unanswered probes before the peer is declared dead",
     {1, 127},
     {0, 255}},
}};

const KeyInfo& info(Key key) {
  return infos[index_of(key)];
}

} // namespace

std::string_view sysctl_name(Key key) {
  return info(key).sysctl;
}
std::string_view short_name(Key key) {
  return info(key).short_name;
}
std::string_view meaning(Key key) {
  return info(key).meaning;
}
bool is_duration(Key key) {
  return key != Key::probes;
}
Range api_range(Key key) {
  return info(key).api;
}
Range kernel_range(Key key) {
  return info(key).kernel;
}
Range reported_range(Key key) {
  return key == Key::probes ? kernel_range(key)
                            : Range{-max_reported_seconds, max_reported_seconds};
}

std::string normalize_sysctl_name(std::string_view name) {
  if (!name.empty() && name.front() == '/') {
    name.remove_prefix(1);
  }
  std::string out(name);
  for (char& c : out) {
    if (c == '/') {
      c = '.';
    }
  }
  return out;
}
std::optional<Key> key_from_sysctl_name(std::string_view name) {
  const std::string normalized = normalize_sysctl_name(name);
  for (Key key : all_keys) {
    if (normalized == sysctl_name(key)) {
      return key;
    }
  }
  return std::nullopt;
}

std::int64_t detect_seconds(const Settings& settings) {
  return settings[Key::time] + settings[Key::intvl] * settings[Key::probes];
}

std::optional<Warning> assess(Key key, std::int64_t value) {
  if (api_range(key).contains(value)) {
    return std::nullopt;
  }
  std::string what;
  switch (key) {
  case Key::time:
    what = value <= 0 ? "probes start at once and repeat without pause, or never start"
                      : "longer than any socket can ask for with TCP_KEEPIDLE";
    break;
  case Key::intvl:
    what = value <= 0 ? "probes are sent back to back with no interval"
                      : "longer than any socket can ask for with TCP_KEEPINTVL";
    break;
  case Key::probes:
    what = value == 0 ? "the first unanswered probe resets even healthy idle connections"
                      : "more probes than any socket can ask for with TCP_KEEPCNT";
    break;
  }
  const Range range = api_range(key);
  return Warning{key, value,
                 fmt::format("{} = {} is outside what the socket API accepts ({}-{}): {}",
                             sysctl_name(key), value, range.min, range.max, what)};
}

std::vector<Warning> assess(const Settings& settings) {
  std::vector<Warning> out;
  for (Key key : all_keys) {
    if (auto warning = assess(key, settings[key])) {
      out.push_back(std::move(*warning));
    }
  }
  return out;
}

} // namespace kaltune
