// One meaning for a path given on the command line under --root (sys/conftree system_path_of):
// inside the root, a relative one taken from the root, for --file, show --source FILE and a diff
// source alike; never the host's file of that name.

#include "../common/layouts.hpp"
#include "harness.hpp"
#include "replay.hpp"

#include <gtest/gtest.h>

namespace kaltune::itest {
namespace {

TEST(RootPaths, RelativePathsAreInsideTheRootForEveryCommand) {
  KALTUNE_REQUIRE_NETNS();
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  Mounts run; // kaltune's lock, the host's /run/kaltune.lock, in a private /run
  run.tmpfs("/run");
  TempDir root;
  layouts::Layout layout;
  layout.entries = {layouts::file("etc/sysctl.conf", "net.ipv4.tcp_keepalive_probes = 3\n"),
                    layouts::link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf")};
  layouts::write_layout(layout, root.path());
  const std::vector<std::string> in_root{"--root", root.path().string(), "--boot-model", "systemd"};
  auto kaltune = [&](std::vector<std::string> args) {
    args.insert(args.begin(), in_root.begin(), in_root.end());
    return run_kaltune(args);
  };

  const RunResult show = kaltune({"show", "--source", "etc/sysctl.conf", "--format", "sysctl"});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("net.ipv4.tcp_keepalive_probes = 3"), std::string::npos) << show.out;

  const RunResult diff = kaltune({"diff", "default", "etc/sysctl.conf"});
  EXPECT_EQ(diff.status, 1) << diff.err;
  EXPECT_NE(diff.out.find("+net.ipv4.tcp_keepalive_probes = 3  # /etc/sysctl.conf:1"),
            std::string::npos)
      << diff.out;

  const RunResult set = kaltune({"set", "--probes", "4", "--persist", "--file", "etc/sysctl.conf"});
  ASSERT_EQ(set.status, 0) << set.err;
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.conf"), "net.ipv4.tcp_keepalive_probes = 4\n");
}

} // namespace
} // namespace kaltune::itest
