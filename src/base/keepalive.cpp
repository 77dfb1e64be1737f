#include "base/keepalive.hpp"

#include <fmt/format.h>

namespace kaltune {

namespace {
struct KeyInfo {
  std::string_view sysctl;
  std::string_view short_name;
  std::string_view meaning;
  bool duration;
  std::string_view metric;
  Range api;
  std::string_view api_name;
  Range kernel;
  std::string_view below; // what a value under the default range does
  std::string_view above; // ... and over it
  bool in_first_snapshots = true;
};

// time/intvl: max_jiffies_seconds either way; tcp_keepalive_probes and tcp_retries2 are u8
// (proc_dou8vec_minmax): 0-255.
constexpr std::int64_t jiffies_limit = max_jiffies_seconds;

// MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL and MAX_TCP_KEEPCNT of include/net/tcp.h. The one table of
// the keys: adding a key is a row here and a value in Key.
constexpr std::array<KeyInfo, key_count> infos{{
    {"net.ipv4.tcp_keepalive_time",
     "time",
     "idle time before the first keepalive probe",
     true,
     "kaltune_tcp_keepalive_time_seconds",
     {1, 32767},
     "what the socket API accepts",
     {-jiffies_limit, jiffies_limit},
     "probes start at once and repeat without pause, or never start",
     "longer than any socket can ask for with TCP_KEEPIDLE"},
    {"net.ipv4.tcp_keepalive_intvl",
     "intvl",
     "time between unanswered probes",
     true,
     "kaltune_tcp_keepalive_intvl_seconds",
     {1, 32767},
     "what the socket API accepts",
     {-jiffies_limit, jiffies_limit},
     "probes are sent back to back with no interval",
     "longer than any socket can ask for with TCP_KEEPINTVL"},
    {"net.ipv4.tcp_keepalive_probes",
     "probes",
     "unanswered probes before the peer is declared dead",
     false,
     "kaltune_tcp_keepalive_probes",
     {1, 127},
     "what the socket API accepts",
     {0, 255},
     "the first unanswered probe resets even healthy idle connections",
     "more probes than any socket can ask for with TCP_KEEPCNT"},
    {"net.ipv4.tcp_retries2",
     "retries2",
     "retransmissions of unacknowledged data before the connection is given up",
     false,
     "kaltune_tcp_retries2",
     {1, 255},
     "kaltune's default range",
     {0, 255},
     "a connection is given up at its first retransmission timeout: one lost segment kills it",
     "",
     false},
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
  return info(key).duration;
}
std::string_view metric_name(Key key) {
  return info(key).metric;
}
std::string_view default_range_name(Key key) {
  return info(key).api_name;
}
bool in_first_snapshots(Key key) {
  return info(key).in_first_snapshots;
}
Range api_range(Key key) {
  return info(key).api;
}
Range kernel_range(Key key) {
  return info(key).kernel;
}
Range reported_range(Key key) {
  return is_duration(key) ? Range{-max_reported_seconds, max_reported_seconds} : kernel_range(key);
}

std::int64_t detect_seconds(const Settings& settings) {
  return settings[Key::time] + settings[Key::intvl] * settings[Key::probes];
}

std::optional<Warning> assess(Key key, std::int64_t value) {
  if (api_range(key).contains(value)) {
    return std::nullopt;
  }
  const Range range = api_range(key);
  const std::string_view what = value < range.min ? info(key).below : info(key).above;
  return Warning{key, value,
                 fmt::format("{} = {} is outside {} ({}-{}): {}", sysctl_name(key), value,
                             info(key).api_name, range.min, range.max, what)};
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
