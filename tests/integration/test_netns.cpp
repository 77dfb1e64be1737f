// --pid and --netns: the target namespace changes, the caller's does not.

#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

namespace kaltune::itest {
namespace {

class TargetNamespace : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
  }
};

TEST_F(TargetNamespace, PidChangesThatNamespaceOnly) {
  NamespaceHolder holder;
  const auto result =
      run_kaltune({"--pid", std::to_string(holder.pid()), "set", "--time", "100", "--probes", "2"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(holder.read_sysctl("net.ipv4.tcp_keepalive_time"), 100);
  EXPECT_EQ(holder.read_sysctl("net.ipv4.tcp_keepalive_probes"), 2);
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

TEST_F(TargetNamespace, NetnsPathChangesThatNamespaceOnly) {
  NamespaceHolder holder;
  const auto result = run_kaltune({"--netns", holder.netns_path(), "set", "--intvl", "7"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(holder.read_sysctl("net.ipv4.tcp_keepalive_intvl"), 7);
  EXPECT_EQ(read_sysctl("net.ipv4.tcp_keepalive_intvl"), 75);
}

TEST_F(TargetNamespace, NetnsNameIsLookedUpUnderRunNetns) {
  NamespaceHolder holder;
  // The private mount namespace of this test: a tmpfs over /run/netns, as `ip netns add` makes.
  ASSERT_EQ(::mkdir("/run/netns", 0755) == 0 || errno == EEXIST, true);
  ASSERT_EQ(::mount("tmpfs", "/run/netns", "tmpfs", 0, nullptr), 0) << std::strerror(errno);
  const int fd = ::open("/run/netns/blue", O_CREAT | O_RDONLY, 0444);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(::mount(holder.netns_path().c_str(), "/run/netns/blue", nullptr, MS_BIND, nullptr), 0)
      << std::strerror(errno);
  ASSERT_EQ(run({"nsenter", "--net=/run/netns/blue", "sh", "-c",
                 "echo 321 > /proc/sys/net/ipv4/tcp_keepalive_time"})
                .status,
            0);
  const auto result = run_kaltune({"--netns", "blue", "--json", "show"});
  ::umount2("/run/netns", MNT_DETACH);
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 321);
  EXPECT_EQ(json["netns"], "/run/netns/blue");
  EXPECT_EQ(read_sysctl("net.ipv4.tcp_keepalive_time"), 7200);
}

TEST_F(TargetNamespace, ShowSaysWhichNamespaceItRead) {
  NamespaceHolder holder;
  const auto result = run_kaltune({"--pid", std::to_string(holder.pid()), "show"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(
      result.out.rfind("running values of network namespace " + holder.netns_path() + ":\n", 0), 0u)
      << result.out;
}

TEST_F(TargetNamespace, MissingNamespaceIsExitFour) {
  const auto by_name = run_kaltune({"--netns", "kaltune-no-such-ns", "show"});
  EXPECT_EQ(by_name.status, 4);
  EXPECT_EQ(by_name.err, "kaltune: no network namespace kaltune-no-such-ns: "
                         "/run/netns/kaltune-no-such-ns does not exist\n");
  // The largest pid Linux can hand out (a larger one is a usage error): not running here.
  const auto by_pid = run_kaltune({"--pid", "4194304", "show"});
  EXPECT_EQ(by_pid.status, 4);
  EXPECT_NE(by_pid.err.find("no process 4194304"), std::string::npos) << by_pid.err;
  const auto not_netns = run_kaltune({"--netns", "/proc/self/ns/uts", "show"});
  EXPECT_EQ(not_netns.status, 4) << not_netns.err;
  EXPECT_NE(not_netns.err.find("is not a network namespace"), std::string::npos) << not_netns.err;
}

TEST_F(TargetNamespace, EnteringWithoutPermissionIsExitThree) {
  KALTUNE_REQUIRE_ROOT();
  NamespaceHolder holder;
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const auto result = run_kaltune({"--netns", holder.netns_path(), "show"}, nobody);
  EXPECT_EQ(result.status, 3) << result.err;
  EXPECT_NE(result.err.find(holder.netns_path()), std::string::npos) << result.err;
}

} // namespace
} // namespace kaltune::itest
