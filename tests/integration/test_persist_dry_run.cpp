// set --persist --dry-run and reset --persist --dry-run: the diff of the file and the boot view
// that would follow, and nothing written.

#include "persist_fixture.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <sys/mount.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

TEST_F(Persist, DryRunPrintsTheDiffAndWritesNothing) {
  root.write("etc/sysctl.conf", "# local\r\nnet.ipv4.tcp_keepalive_time = 100\r\n");
  fs::create_symlink("../sysctl.conf", root.path() / "etc/sysctl.d/99-sysctl.conf");
  const auto before = snapshot(root.path(), true);
  const RunResult result = kaltune({"set", "--time", "600", "--probes", "4", "--persist", "--file",
                                    "/etc/sysctl.conf", "--dry-run"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "--- /etc/sysctl.conf\n"
                        "+++ /etc/sysctl.conf\n"
                        "@@ -1,2 +1,3 @@\n"
                        " # local\r\n"
                        "-net.ipv4.tcp_keepalive_time = 100\r\n"
                        "+net.ipv4.tcp_keepalive_time = 600\r\n"
                        "+net.ipv4.tcp_keepalive_probes = 4\r\n"
                        "boot (systemd model) would apply net.ipv4.tcp_keepalive_time = 600 from "
                        "/etc/sysctl.d/99-sysctl.conf:2\n"
                        "boot (systemd model) would apply net.ipv4.tcp_keepalive_probes = 4 from "
                        "/etc/sysctl.d/99-sysctl.conf:3\n"
                        "dry run: nothing was written\n");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(snapshot(root.path(), true), before);
}

TEST_F(Persist, DryRunSaysWhenTheRealRunWouldFail) {
  root.write("usr/lib/sysctl.d/99-zzz.conf", "net.ipv4.tcp_keepalive_time = 100\n");
  const auto before = snapshot(root.path(), true);
  const RunResult result = kaltune({"set", "--time", "600", "--persist", "--dry-run"});
  EXPECT_EQ(result.status, 4);
  EXPECT_NE(result.out.find("+net.ipv4.tcp_keepalive_time = 600\n"), std::string::npos);
  EXPECT_EQ(result.err, "kaltune: boot would apply net.ipv4.tcp_keepalive_time = 100 from "
                        "/usr/lib/sysctl.d/99-zzz.conf:1, which is applied after "
                        "/etc/sysctl.d/99-kaltune.conf (systemd model); change it there with "
                        "--file /usr/lib/sysctl.d/99-zzz.conf; the real run would fail (dry run: "
                        "nothing was written)\n");
  EXPECT_EQ(snapshot(root.path(), true), before);
}

// A read-only tree: the real run cannot write, so the dry run must not say it would (exit 0);
// both refuse, with the same status and words, and nothing is written.
TEST_F(Persist, DryRunRefusesWhereTheRealRunWouldOnAReadOnlyTree) {
  root.write("etc/sysctl.d/99-kaltune.conf", header + "net.ipv4.tcp_keepalive_time = 500\n");
  const std::string tree = root.path().string();
  ASSERT_EQ(::mount(tree.c_str(), tree.c_str(), nullptr, MS_BIND, nullptr), 0)
      << std::strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{tree};
  ASSERT_EQ(::mount(nullptr, tree.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr), 0)
      << std::strerror(errno);
  const auto before = snapshot(root.path(), true);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"set", "--time", "600", "--persist"}, {"reset", "--persist"}}) {
    std::vector<std::string> dry_args = args;
    dry_args.emplace_back("--dry-run");
    const RunResult dry = kaltune(dry_args);
    const RunResult real = kaltune(args);
    EXPECT_EQ(real.status, 4) << real.err;
    EXPECT_EQ(dry.status, real.status) << args[0] << ": " << dry.out << dry.err;
    EXPECT_EQ(dry.err, "kaltune: cannot write /etc/sysctl.d/99-kaltune.conf: no write access to "
                       "the directory /etc/sysctl.d: Read-only file system\n")
        << args[0];
    EXPECT_EQ(dry.err, real.err);
  }
  EXPECT_EQ(snapshot(root.path(), true), before);
}

TEST_F(Persist, ResetPersistDryRun) {
  root.write("etc/sysctl.d/99-kaltune.conf", header + "net.ipv4.tcp_keepalive_time = 600\n");
  const RunResult result = kaltune({"reset", "--persist", "--dry-run"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "--- /etc/sysctl.d/99-kaltune.conf\n+++ /dev/null\n@@ -1,4 +0,0 @@\n-" +
                            header.substr(0, header.find('\n') + 1) +
                            "-# Change them with `kaltune set --persist`, remove them with "
                            "`kaltune reset --persist`.\n"
                            "-# kaltune rewrites only the lines of its keys (tcp_keepalive_*, "
                            "tcp_retries2), no other line.\n"
                            "-net.ipv4.tcp_keepalive_time = 600\n"
                            "boot (systemd model) would apply net.ipv4.tcp_keepalive_time = 7200 "
                            "from kernel default\n"
                            "boot (systemd model) would apply net.ipv4.tcp_keepalive_intvl = 75 "
                            "from kernel default\n"
                            "boot (systemd model) would apply net.ipv4.tcp_keepalive_probes = 9 "
                            "from kernel default\n"
                            "boot (systemd model) would apply net.ipv4.tcp_retries2 = 15 "
                            "from kernel default\n"
                            "dry run: nothing was written\n");
  EXPECT_TRUE(fs::exists(root.path() / "etc/sysctl.d/99-kaltune.conf"));
}

} // namespace
} // namespace kaltune::itest
