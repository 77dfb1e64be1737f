// `kaltune enforce` against the real kernel: a cgroup of the test's own, a bpffs of its own, and
// loopback connections whose options getsockopt reads back.

#include "enforce_fixture.hpp"
#include "loopback.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace kaltune::itest {
namespace {

using json = nlohmann::json;

void set(int fd, int level, int name, int value) {
  ASSERT_EQ(::setsockopt(fd, level, name, &value, sizeof value), 0);
}

const Options nothing{0, 7200, 75, 9, 0};

class Enforce : public EnforceTest, public ::testing::WithParamInterface<bool> {};

TEST_P(Enforce, ProgramThatSetsNothingGetsKeepaliveInsideOnly) {
  const bool ipv6 = GetParam();
  const RunResult attached = enforce({"--time", "60", "--intvl", "10s", "--probes", "6"});
  ASSERT_EQ(attached.status, 0) << attached.err;
  EXPECT_EQ(attached.out, "attached to " + cgroup_ +
                              ": SO_KEEPALIVE on, time 60 s (1m), intvl 10 s, probes 6, a "
                              "program's own choice kept\n");
  {
    enter();
    const Connection inside(ipv6);
    leave();
    EXPECT_EQ(options_of(inside.client()), (Options{1, 60, 10, 6, 0}));
    EXPECT_EQ(options_of(inside.server()), (Options{1, 60, 10, 6, 0}));
  }
  const Connection outside(ipv6);
  EXPECT_EQ(options_of(outside.client()), nothing);
  EXPECT_EQ(options_of(outside.server()), nothing);
}

TEST_P(Enforce, ProgramsOwnChoiceWins) {
  const bool ipv6 = GetParam();
  ASSERT_EQ(enforce({"--time", "60", "--intvl", "10", "--probes", "6"}).status, 0);
  enter();
  // TCP_KEEPIDLE before connect: the client keeps it and gets nothing else; its peer, which set
  // nothing, gets the values.
  const Connection idle(ipv6, [](int fd) { set(fd, IPPROTO_TCP, TCP_KEEPIDLE, 300); });
  // A listener with SO_KEEPALIVE (nginx's so_keepalive): accepted connections inherit it.
  const Connection listener(ipv6, {}, [](int fd) { set(fd, SOL_SOCKET, SO_KEEPALIVE, 1); });
  leave();
  EXPECT_EQ(options_of(idle.client()), (Options{0, 300, 75, 9, 0}));
  EXPECT_EQ(options_of(idle.server()), (Options{1, 60, 10, 6, 0}));
  EXPECT_EQ(options_of(listener.server()), (Options{1, 7200, 75, 9, 0}));
  EXPECT_EQ(options_of(listener.client()), (Options{1, 60, 10, 6, 0}));
  // A program that sets options after connect overrides the program's, as it should.
  set(idle.server(), IPPROTO_TCP, TCP_KEEPIDLE, 30);
  EXPECT_EQ(options_of(idle.server()).idle, 30);
  // The program counted both kinds.
  const json list = json::parse(list_json())["enforcements"];
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0]["attached"]["connections"],
            json({{"given_keepalive", 2}, {"left_alone", 2}, {"failed", 0}}));
}

TEST_P(Enforce, OverrideAlsoTakesTheProgramsChoice) {
  const bool ipv6 = GetParam();
  ASSERT_EQ(enforce({"--time", "60", "--intvl", "10", "--probes", "6", "--override"}).status, 0);
  enter();
  const Connection idle(ipv6, [](int fd) { set(fd, IPPROTO_TCP, TCP_KEEPIDLE, 300); });
  leave();
  EXPECT_EQ(options_of(idle.client()), (Options{1, 60, 10, 6, 0}));
}

TEST_P(Enforce, SysctlValuesOnlyTurnKeepaliveOn) {
  const bool ipv6 = GetParam();
  write_sysctl("net.ipv4.tcp_keepalive_time", 600);
  ASSERT_EQ(enforce({"--sysctl-values", "--user-timeout", "90s"}).status, 0);
  enter();
  const Connection inside(ipv6);
  leave();
  EXPECT_EQ(options_of(inside.client()), (Options{1, 600, 75, 9, 90000}));
}

INSTANTIATE_TEST_SUITE_P(Families, Enforce, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ipv6" : "ipv4"; });

using EnforceLife = EnforceTest;

TEST_F(EnforceLife, ReplaceListAndOffAfterKaltuneExited) {
  ASSERT_EQ(enforce({"--time", "60", "--intvl", "10", "--probes", "6"}).status, 0);
  const RunResult replaced =
      enforce({"--time", "120", "--intvl", "20", "--probes", "3", "--user-timeout", "auto"});
  ASSERT_EQ(replaced.status, 0) << replaced.err;
  EXPECT_NE(replaced.out.find("replaced the values on " + cgroup_), std::string::npos)
      << replaced.out;
  const RunResult again =
      enforce({"--time", "120", "--intvl", "20", "--probes", "3", "--user-timeout", "3m"});
  ASSERT_EQ(again.status, 0);
  EXPECT_NE(again.out.find("already enforced on"), std::string::npos) << again.out;
  enter();
  const Connection replaced_values;
  leave();
  EXPECT_EQ(options_of(replaced_values.client()), (Options{1, 120, 20, 3, 180000}));
  // One attachment, never stacked.
  const json list = json::parse(list_json())["enforcements"];
  ASSERT_EQ(list.size(), 1U) << list.dump();
  EXPECT_EQ(list[0]["cgroup"], cgroup_);
  EXPECT_EQ(list[0]["state"], "in_force");
  EXPECT_EQ(list[0]["attached"]["values"], json({{"keepalive", true},
                                                 {"sysctl_values", false},
                                                 {"time", 120},
                                                 {"intvl", 20},
                                                 {"probes", 3},
                                                 {"user_timeout", 180},
                                                 {"override", false}}));
  EXPECT_EQ(list[0]["attached"]["connections"]["given_keepalive"], 2);
  EXPECT_GT(list[0]["attached"]["program_id"].get<int>(), 0);
  const RunResult off = enforce({"--off"});
  ASSERT_EQ(off.status, 0) << off.err;
  EXPECT_EQ(off.out, "detached from " + cgroup_ + "\n");
  enter();
  const Connection after;
  leave();
  EXPECT_EQ(options_of(after.client()), nothing);
  EXPECT_EQ(json::parse(list_json())["enforcements"], json::array());
  EXPECT_EQ(enforce({"--off"}).out, "nothing attached to " + cgroup_ + "\n");
}

TEST_F(EnforceLife, ExistingReachesConnectionsOpenedBefore) {
  enter();
  const Connection before;
  const Connection chose(false, [](int fd) { set(fd, SOL_SOCKET, SO_KEEPALIVE, 1); });
  // kaltune runs inside the cgroup too (a child of the test): its own sockets are no TCP ones.
  const RunResult result =
      enforce({"--time", "60", "--intvl", "10", "--probes", "6", "--existing", "--json"});
  leave();
  ASSERT_EQ(result.status, 0) << result.err;
  const json existing = json::parse(result.out)["existing"];
  EXPECT_EQ(existing["changed"], 3) << existing.dump(); // before (both ends), chose's server
  EXPECT_EQ(existing["left_alone"], 1) << existing.dump();
  EXPECT_EQ(existing["failed"], 0);
  EXPECT_EQ(options_of(before.client()), (Options{1, 60, 10, 6, 0}));
  EXPECT_EQ(options_of(before.server()), (Options{1, 60, 10, 6, 0}));
  EXPECT_EQ(options_of(chose.client()), (Options{1, 7200, 75, 9, 0}));
}

TEST_F(EnforceLife, RefusalsLeaveNothingAttached) {
  struct Case {
    std::vector<std::string> args;
    int status;
    std::string err;
  };
  const std::vector<Case> cases{
      {{"enforce", "--cgroup", cgroup_},
       2,
       "kaltune: enforce: choose the values: --time D --intvl D --probes N, goals "
       "(--idle-timeout, --detect-within), or --sysctl-values (only SO_KEEPALIVE; the sysctls "
       "decide)\n"},
      {{"enforce", "--cgroup", cgroup_, "--time", "60", "--intvl", "10", "--probes", "6",
        "--sysctl-values"},
       2,
       ""},
      {{"enforce", "--cgroup", cgroup_, "--time", "60"}, 2, ""},
      {{"enforce", "--cgroup", cgroup_, "--time", "0", "--intvl", "10", "--probes", "6"}, 2, ""},
      {{"enforce", "--cgroup", cgroup_, "--sysctl-values", "--user-timeout", "auto"}, 2, ""},
      {{"enforce", "--cgroup", cgroup_ + "/missing", "--sysctl-values"},
       4,
       "kaltune: no cgroup " + directory_ + "/missing (no such directory)\n"},
      {{"enforce", "--cgroup", "/proc", "--sysctl-values"},
       4,
       "kaltune: /proc is not a cgroup directory (cgroup v2 is mounted at " + mount_ + ")\n"},
      {{"enforce", "--cgroup", "../x", "--sysctl-values"}, 2, ""},
      {{"enforce", "--sysctl-values"}, 2, ""},
  };
  for (const Case& c : cases) {
    const RunResult result = run_kaltune(c.args);
    EXPECT_EQ(result.status, c.status) << c.args.back() << ": " << result.err;
    if (!c.err.empty()) {
      EXPECT_EQ(result.err, c.err);
    }
  }
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const RunResult unprivileged =
      run_kaltune({"enforce", "--cgroup", cgroup_, "--sysctl-values", "--dry-run"}, nobody);
  EXPECT_EQ(unprivileged.status, 3) << unprivileged.err;
  const RunResult dry = enforce({"--time", "60", "--intvl", "10", "--probes", "6", "--dry-run"});
  EXPECT_EQ(dry.status, 0) << dry.err;
  EXPECT_EQ(dry.out.rfind("would attach to " + cgroup_, 0), 0U) << dry.out;
  EXPECT_EQ(json::parse(list_json())["enforcements"], json::array());
  enter();
  const Connection after;
  leave();
  EXPECT_EQ(options_of(after.client()), nothing);
}

} // namespace
} // namespace kaltune::itest
