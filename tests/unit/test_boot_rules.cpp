// How each applier reads a key: the spellings table was checked against the real appliers
// (tests/common/layouts.hpp dots_and_slashes, leading_slash, respelled_key_vs_glob, double_dash).

#include "base/text.hpp"
#include "config/boot_rules.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

struct NormalizeCase {
  std::string_view key;
  std::string_view systemd;
  std::string_view procps;
};

TEST(BootRules, KeySpellings) {
  const NormalizeCase cases[] = {
      {"net.ipv4.tcp_keepalive_time", "net/ipv4/tcp_keepalive_time",
       "/proc/sys/net/ipv4/tcp_keepalive_time"},
      {"net/ipv4/tcp_keepalive_time", "net/ipv4/tcp_keepalive_time",
       "/proc/sys/net/ipv4/tcp_keepalive_time"},
      {"/net/ipv4/tcp_keepalive_time", "net/ipv4/tcp_keepalive_time",
       "/proc/sys//net/ipv4/tcp_keepalive_time"},
      {"/net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_time",
       "/proc/sys//net.ipv4.tcp_keepalive_time"},
      {"net.ipv4/tcp_keepalive_time", "net/ipv4.tcp_keepalive_time",
       "/proc/sys/net/ipv4.tcp_keepalive_time"},
      {"net..ipv4.tcp_keepalive_time", "net/ipv4/tcp_keepalive_time",
       "/proc/sys/net//ipv4/tcp_keepalive_time"},
      {"-net.ipv4.tcp_keepalive_time", "-net/ipv4/tcp_keepalive_time",
       "/proc/sys/net/ipv4/tcp_keepalive_time"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(systemd_normalize(c.key), c.systemd) << c.key;
    EXPECT_EQ(procps_path(c.key), c.procps) << c.key;
  }
}

TEST(BootRules, WhichKeyAPathReaches) {
  EXPECT_EQ(procps_reaches("/proc/sys//net/ipv4/tcp_keepalive_time"), Key::time);
  EXPECT_EQ(procps_reaches("/proc/sys/net/./ipv4/../ipv4/tcp_keepalive_intvl"), Key::intvl);
  EXPECT_EQ(procps_reaches("/proc/sys/net/ipv4/tcp_keepalive_probes/"), std::nullopt);
  EXPECT_EQ(procps_reaches("/proc/sys/net/ipv4.tcp_keepalive_time"), std::nullopt);
  EXPECT_EQ(procps_reaches("/proc/sys/ net/ipv4/tcp_keepalive_time"), std::nullopt);
  EXPECT_EQ(systemd_reaches("net/ipv4/tcp_keepalive_probes"), Key::probes);
  EXPECT_EQ(systemd_reaches("net.ipv4.tcp_keepalive_probes"), std::nullopt);
}

TEST(BootRules, MessagesShowControlCharacters) {
  EXPECT_EQ(printable("\xEF\xBB\xBFk = 1\r\t\x01"), "\\xEF\\xBB\\xBFk = 1\\r\\t\\x01");
  EXPECT_EQ(printable("caf\xC3\xA9"), "caf\xC3\xA9");
}

} // namespace
} // namespace kaltune
