// reset: the kernel defaults now, and with --persist the removal of what kaltune persisted.

#include "persist_fixture.hpp"

#include <gtest/gtest.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

TEST_F(PersistLive, ResetPersistRemovesOwnFileAndDefaultsNow) {
  ASSERT_EQ(run_kaltune(set_asked).status, 0);
  const RunResult result = run_kaltune({"reset", "--persist"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
  EXPECT_NE(result.out.find("removed /etc/sysctl.d/99-kaltune.conf\n"), std::string::npos)
      << result.out;
  EXPECT_EQ(run_applier("systemd").values, (std::vector<long>{7200, 75, 9}));
}

TEST_F(Persist, ResetPersistNamesFilesThatStillSetTheKeys) {
  root.write("etc/sysctl.d/99-kaltune.conf", header + "net.ipv4.tcp_keepalive_time = 600\n");
  root.write("usr/lib/sysctl.d/50-vendor.conf", "net.ipv4.tcp_keepalive_probes = 5\n");
  const RunResult result = kaltune({"reset", "--persist"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_FALSE(fs::exists(root.path() / "etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(result.err, "warning: boot will still apply net.ipv4.tcp_keepalive_probes = 5 from "
                        "/usr/lib/sysctl.d/50-vendor.conf:1 (not the kernel default 9)\n");
  EXPECT_EQ(result.out, "removed /etc/sysctl.d/99-kaltune.conf\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_time = 7200 from "
                        "kernel default\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_intvl = 75 from "
                        "kernel default\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_probes = 5 from "
                        "/usr/lib/sysctl.d/50-vendor.conf:1, not the kernel default 9\n");
}

TEST_F(Persist, ResetPersistWithFileRemovesOnlyKeepaliveLines) {
  root.write("etc/sysctl.conf", "# local\r\nnet.ipv4.tcp_keepalive_time = 600\r\n# end");
  const RunResult result = kaltune({"reset", "--persist", "--file", "/etc/sysctl.conf"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.conf"), "# local\r\n# end");
}

TEST(Reset, WritesTheDefaultsNow) {
  KALTUNE_REQUIRE_NETNS();
  write_sysctl("net.ipv4.tcp_keepalive_time", 5);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 2);
  const RunResult result = run_kaltune({"reset"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
  EXPECT_EQ(result.out, "set net.ipv4.tcp_keepalive_time: 5 \u2192 7200\n"
                        "set net.ipv4.tcp_keepalive_probes: 2 \u2192 9\n"
                        "dead peer detected after: 155 s (2m35s) \u2192 7875 s (2h11m15s)\n");
}

} // namespace
} // namespace kaltune::itest
