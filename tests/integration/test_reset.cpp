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

// The fourth key goes the same way: set --retries2 --persist writes its line, the real appliers
// apply it, and reset --persist takes it away again (the file with it).
TEST_F(PersistLive, ResetPersistAlsoRemovesTcpRetries2) {
  ASSERT_EQ(run_kaltune({"set", "--retries2", "8", "--persist"}).status, 0);
  EXPECT_EQ(read_file("/etc/sysctl.d/99-kaltune.conf"), header + "net.ipv4.tcp_retries2 = 8\n");
  EXPECT_EQ(read_sysctl("net.ipv4.tcp_retries2"), 8);
  for (const char* model : {"systemd", "procps"}) {
    const Replay replay = run_applier(model);
    EXPECT_EQ(replay.retries2, 8) << model << ": " << replay.applied.err;
    EXPECT_EQ(replay.values, (std::vector<long>{7200, 75, 9})) << model;
  }
  const RunResult result = run_kaltune({"reset", "--persist"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_sysctl("net.ipv4.tcp_retries2"), 15);
  EXPECT_EQ(run_applier("systemd").retries2, 15);
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
                        "/usr/lib/sysctl.d/50-vendor.conf:1, not the kernel default 9\n"
                        "boot (systemd model) applies net.ipv4.tcp_retries2 = 15 from "
                        "kernel default\n");
}

TEST_F(Persist, ResetPersistWithFileRemovesOnlyKeepaliveLines) {
  root.write("etc/sysctl.conf", "# local\r\nnet.ipv4.tcp_keepalive_time = 600\r\n# end");
  const RunResult result = kaltune({"reset", "--persist", "--file", "/etc/sysctl.conf"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.conf"), "# local\r\n# end");
}

// The directory's fsync after the unlink fails (strace injects EIO): the file is put back and
// the kernel left alone, and the one line says both, never "cannot write" with the file gone.
TEST_F(PersistLive, ResetPersistWhoseRemovalCannotBeMadeDurableSaysWhatIsLeft) {
  if (const RunResult probe = run({"strace", "-o", "/dev/null", "true"}); probe.status != 0) {
    GTEST_SKIP() << "strace is not installed or may not trace here: " << probe.err;
  }
  ASSERT_EQ(run_kaltune(set_asked).status, 0);
  const std::string before = read_file("/etc/sysctl.d/99-kaltune.conf");
  // A removal writes no temp file: kaltune's first fsync is the directory's.
  const RunResult result =
      run({"strace", "-f", "-o", "/dev/null", "-e", "trace=fsync", "-e",
           "inject=fsync:error=EIO:when=1", kaltune_binary(), "reset", "--persist"});
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_EQ(result.err, "kaltune: cannot remove /etc/sysctl.d/99-kaltune.conf: fsync of "
                        "directory /etc/sysctl.d: Input/output error; "
                        "/etc/sysctl.d/99-kaltune.conf put back as it was; the running values "
                        "were not changed\n");
  EXPECT_EQ(read_file("/etc/sysctl.d/99-kaltune.conf"), before);
  EXPECT_EQ(read_keepalive(), asked);
}

// An unrelated setting shares an LF line with a keepalive key through a lone CR (two lines for
// systemd): reset keeps the line, so as not to delete tcp_fin_timeout, and says so, and says that
// boot still applies the key.
TEST_F(Persist, ResetPersistKeepsALineThatAlsoSetsAnotherKey) {
  const std::string text = "# local\nnet.ipv4.tcp_fin_timeout=33\rnet.ipv4.tcp_keepalive_time=600\n"
                           "net.ipv4.tcp_keepalive_probes = 4\n";
  root.write("etc/sysctl.d/50-local.conf", text);
  const RunResult result = kaltune({"reset", "--persist", "--file", "/etc/sysctl.d/50-local.conf"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.d/50-local.conf"),
            "# local\nnet.ipv4.tcp_fin_timeout=33\rnet.ipv4.tcp_keepalive_time=600\n");
  EXPECT_NE(result.err.find("warning: /etc/sysctl.d/50-local.conf:2: assigns "
                            "net.ipv4.tcp_keepalive_time but also 'net.ipv4.tcp_fin_timeout=33"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("warning: boot will still apply net.ipv4.tcp_keepalive_time = 600 "
                            "from /etc/sysctl.d/50-local.conf:"),
            std::string::npos)
      << result.err;
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
