// set --persist with the built binary: what it prints and writes, on a --root layout and on this
// process's private mount namespace (kernel and files together). The host's /etc and its sysctls
// are never touched.

#include "persist_fixture.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

// What `set --persist` reports after writing `asked` to kaltune's own file.
const std::string boot_applies_asked =
    "boot (systemd model) applies net.ipv4.tcp_keepalive_time = 600 from "
    "/etc/sysctl.d/99-kaltune.conf:4\n"
    "boot (systemd model) applies net.ipv4.tcp_keepalive_intvl = 30 from "
    "/etc/sysctl.d/99-kaltune.conf:5\n"
    "boot (systemd model) applies net.ipv4.tcp_keepalive_probes = 4 from "
    "/etc/sysctl.d/99-kaltune.conf:6\n";

TEST_F(Persist, ExactOutputAndFile) {
  const RunResult result = kaltune(set_asked);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "created /etc/sysctl.d/99-kaltune.conf\n" + boot_applies_asked);
  EXPECT_EQ(own(), header + "net.ipv4.tcp_keepalive_time = 600\n"
                            "net.ipv4.tcp_keepalive_intvl = 30\n"
                            "net.ipv4.tcp_keepalive_probes = 4\n");
  struct stat st {};
  ASSERT_EQ(::stat((root.path() / "etc/sysctl.d/99-kaltune.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // --root implies --no-runtime: the kernel is left alone.
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

TEST_F(Persist, WritesThroughTheSymlinkKeepingModeAndOwner) {
  KALTUNE_REQUIRE_ROOT();
  const auto target = root.write("etc/sysctl.conf", "# local\nnet.ipv4.tcp_keepalive_time = 1");
  fs::create_symlink("../sysctl.conf", root.path() / "etc/sysctl.d/99-sysctl.conf");
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  ASSERT_EQ(::chown(target.c_str(), 1234, 4321), 0);
  const RunResult result = kaltune({"set", "--time", "600", "--probes", "4", "--persist", "--file",
                                    "/etc/sysctl.d/99-sysctl.conf"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out.substr(0, result.out.find('\n')),
            "updated /etc/sysctl.d/99-sysctl.conf (-> /etc/sysctl.conf)");
  EXPECT_TRUE(fs::is_symlink(root.path() / "etc/sysctl.d/99-sysctl.conf"));
  EXPECT_EQ(fs::read_symlink(root.path() / "etc/sysctl.d/99-sysctl.conf"), "../sysctl.conf");
  EXPECT_EQ(read_file(target),
            "# local\nnet.ipv4.tcp_keepalive_time = 600\nnet.ipv4.tcp_keepalive_probes = 4");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 4321u);
}

TEST_F(Persist, JsonReport) {
  const RunResult result = kaltune({"--json", "set", "--time", "600", "--persist"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["file"]["path"], "/etc/sysctl.d/99-kaltune.conf");
  EXPECT_EQ(json["file"]["action"], "created");
  EXPECT_EQ(json["boot"]["model"], "systemd");
  EXPECT_EQ(json["boot"]["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 600);
  EXPECT_EQ(json["boot"]["settings"]["net.ipv4.tcp_keepalive_time"]["origin"],
            "/etc/sysctl.d/99-kaltune.conf:4");
  EXPECT_FALSE(json["file"].contains("diff"));
  const auto dry = nlohmann::json::parse(
      kaltune({"--json", "set", "--time", "700", "--persist", "--dry-run"}).out);
  EXPECT_EQ(dry["dry_run"], true);
  EXPECT_EQ(dry["file"]["written"], false);
  EXPECT_EQ(dry["file"]["diff"], "--- /etc/sysctl.d/99-kaltune.conf\n"
                                 "+++ /etc/sysctl.d/99-kaltune.conf\n"
                                 "@@ -1,4 +1,4 @@\n" +
                                     header.substr(0, header.find('\n') + 1).insert(0, " ") +
                                     " # Change them with `kaltune set --persist`, remove them "
                                     "with `kaltune reset --persist`.\n"
                                     " # kaltune rewrites only the lines of its keys "
                                     "(tcp_keepalive_*, tcp_retries2), no other line.\n"
                                     "-net.ipv4.tcp_keepalive_time = 600\n"
                                     "+net.ipv4.tcp_keepalive_time = 700\n");
  EXPECT_EQ(dry["boot"]["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 700);
}

TEST_F(Persist, RootWithoutPersistNeverTouchesTheRunningKernel) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"set", "--time", "600"}, {"set", "--probes", "3", "--dry-run"}, {"reset"}}) {
    write_sysctl("net.ipv4.tcp_keepalive_time", 100);
    const RunResult result = kaltune(args);
    EXPECT_EQ(result.status, 2) << args[0] << ": " << result.err;
    EXPECT_NE(result.err.find("edits configuration only; add --persist"), std::string::npos)
        << result.err;
    EXPECT_EQ(read_keepalive(), (std::vector<long>{100, 75, 9}));
  }
  write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
}

TEST_F(Persist, UsageErrors) {
  EXPECT_EQ(kaltune({"set", "--time", "600", "--file", "/etc/sysctl.conf"}).status, 2);
  EXPECT_EQ(kaltune({"set", "--time", "600", "--no-runtime"}).status, 2);
  EXPECT_EQ(kaltune({"set", "--time", "0", "--persist"}).status, 2);
  const RunResult missing = kaltune({"set", "--time", "600", "--persist", "--file", "/etc/x.conf"});
  EXPECT_EQ(missing.status, 4);
  EXPECT_EQ(missing.err, "kaltune: /etc/x.conf does not exist; --file edits an existing file "
                         "(without --file kaltune writes its own /etc/sysctl.d/99-kaltune.conf)\n");
}

TEST_F(PersistLive, RuntimeAndFileTogether) {
  const RunResult result = run_kaltune(set_asked);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_keepalive(), asked);
  EXPECT_EQ(read_file("/etc/sysctl.d/99-kaltune.conf"),
            header + "net.ipv4.tcp_keepalive_time = 600\nnet.ipv4.tcp_keepalive_intvl = 30\n"
                     "net.ipv4.tcp_keepalive_probes = 4\n");
  EXPECT_NE(result.out.find("set net.ipv4.tcp_keepalive_time: 7200 \u2192 600\n"),
            std::string::npos)
      << result.out;
  // Boot agrees: the real applier, from the kernel defaults, lands on the same values.
  EXPECT_EQ(run_applier("systemd").values, asked);
  EXPECT_EQ(run_applier("procps").values, asked);
  const RunResult again = run_kaltune(set_asked);
  EXPECT_EQ(again.status, 0);
  EXPECT_EQ(again.out,
            "running: nothing to change; already time 600 intvl 30 probes 4 tcp_retries2 15\n"
            "/etc/sysctl.d/99-kaltune.conf: nothing to change\n" +
                boot_applies_asked);
}

} // namespace
} // namespace kaltune::itest
