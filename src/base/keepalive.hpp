#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// The sysctls kaltune manages, in the order they are written and shown: the three keepalive
// keys (the idle half: a connection with nothing in flight) and tcp_retries2 (the busy half:
// while data is unacknowledged keepalive does nothing and the retransmission timeout decides).
// Each is one row of the key table in keepalive.cpp; code that handles "the keys" iterates
// all_keys, code about keepalive itself (the sockets' own options, the idle detection time)
// keepalive_keys.
enum class Key { time, intvl, probes, retries2 };
inline constexpr std::array<Key, 4> all_keys{Key::time, Key::intvl, Key::probes, Key::retries2};
inline constexpr std::size_t key_count = all_keys.size();
inline constexpr std::array<Key, 3> keepalive_keys{Key::time, Key::intvl, Key::probes};

constexpr std::size_t index_of(Key key) {
  return static_cast<std::size_t>(key);
}

// "net.ipv4.tcp_keepalive_time"
std::string_view sysctl_name(Key key);
// "time", as in --time
std::string_view short_name(Key key);
// What the value means, in one line.
std::string_view meaning(Key key);
// Time keys are durations in seconds, probes and retries2 counts.
bool is_duration(Key key);
// The Prometheus family of the key's value: "kaltune_tcp_keepalive_time_seconds",
// "kaltune_tcp_retries2".
std::string_view metric_name(Key key);
// What kaltune's default range is ("what the socket API accepts"), for messages.
std::string_view default_range_name(Key key);
// Whether every `kaltune --json show` snapshot holds the key (tcp_retries2 came later).
bool in_first_snapshots(Key key);

struct Range {
  std::int64_t min;
  std::int64_t max;
  bool contains(std::int64_t value) const { return value >= min && value <= max; }
};

// tcp_keepalive_time and _intvl are ints in jiffies (proc_dointvec_jiffies): a kernel stores
// seconds of either sign up to INT_MAX / HZ. HZ is a build option (100-1000) userspace cannot
// read, so kaltune's one limit for them — validation, --force and the boot view — is
// what every kernel stores: INT_MAX / 1000 = 2147483 s (24.8 days).
inline constexpr std::int64_t max_kernel_hz = 1000;
inline constexpr std::int64_t max_jiffies_seconds = 2147483647 / max_kernel_hz;

// The lowest HZ a kernel is built with: a kernel with HZ=100 stores time/intvl up to INT_MAX/100
// s (248 days), and reports them so. What any running kernel can hold and report is therefore
// wider than the one limit kaltune writes within.
inline constexpr std::int64_t min_kernel_hz = 100;
inline constexpr std::int64_t max_reported_seconds = 2147483647 / min_kernel_hz;

// kaltune's default limits: what setsockopt(TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT) accepts for
// the keepalive keys, 1-255 for tcp_retries2 (0 gives a connection up at its first
// retransmission timeout); beyond them only with --force.
Range api_range(Key key);
// What the kernel's sysctl handler accepts: the limits of --force.
Range kernel_range(Key key);
// What some running kernel may hold and report (time/intvl within ±INT_MAX/100, probes 0-255):
// the values a `show --json` snapshot of a real host can carry. Never a limit of writing.
Range reported_range(Key key);

// A value for every key.
struct Settings {
  std::array<std::int64_t, key_count> values{};

  constexpr Settings() = default;
  // The keepalive three; tcp_retries2 at its kernel default unless given.
  constexpr Settings(std::int64_t time, std::int64_t intvl, std::int64_t probes,
                     std::int64_t retries2 = 15)
      : values{time, intvl, probes, retries2} {}

  std::int64_t& operator[](Key key) { return values[index_of(key)]; }
  std::int64_t operator[](Key key) const { return values[index_of(key)]; }
  bool operator==(const Settings&) const = default;
};

// Compile-time defaults of every new network namespace: 7200 / 75 / 9, tcp_retries2 15.
inline constexpr Settings kernel_defaults{7200, 75, 9, 15};

// Seconds an idle connection to a dead peer survives: time + intvl x probes (the idle half; the
// busy half is core/busy's).
std::int64_t detect_seconds(const Settings& settings);

// A value outside kaltune's default range (api_range), and what it does to connections.
struct Warning {
  Key key;
  std::int64_t value;
  std::string message;
};
std::vector<Warning> assess(const Settings& settings);
std::optional<Warning> assess(Key key, std::int64_t value);

} // namespace kaltune
