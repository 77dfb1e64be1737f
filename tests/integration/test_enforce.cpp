// `kaltune enforce` against the real kernel: a cgroup of the test's own, a bpffs of its own, and
// loopback connections whose options getsockopt reads back.

#include "enforce_fixture.hpp"
#include "loopback.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

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

// `sockets` names the enforced cgroup of each connection made in it (the kernel's cgroup id of
// the socket, from sock_diag) and, with --processes, where its keepalive came from.
TEST_P(Enforce, SocketsSaysWhichConnectionsTheEnforcementCovers) {
  const bool ipv6 = GetParam();
  ASSERT_EQ(enforce({"--time", "60", "--intvl", "10", "--probes", "6"}).status, 0);
  enter();
  const Connection inside(ipv6);
  const Connection chose(ipv6, [](int fd) { set(fd, IPPROTO_TCP, TCP_KEEPIDLE, 300); });
  leave();
  const Connection outside(ipv6);
  const RunResult result = run_kaltune({"--json", "sockets", "--processes"});
  ASSERT_EQ(result.status, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_TRUE(report["enforcements_unknown"].is_null()) << report["enforcements_unknown"];
  std::map<int, json> by_port;
  for (const json& socket : report["sockets"]) {
    by_port[socket["local"]["port"].get<int>()] = socket;
  }
  const auto check = [&](int fd, const json& enforced_by, const std::string& from) {
    const json& socket = by_port[local_port(fd)];
    EXPECT_EQ(socket["enforced_by"], enforced_by) << socket;
    EXPECT_EQ(socket["keepalive_from"], from) << socket;
  };
  check(inside.client(), cgroup_, "kaltune");
  check(inside.server(), cgroup_, "kaltune");
  check(chose.client(), cgroup_, "none"); // its program chose: left alone, and never turned it on
  check(chose.server(), cgroup_, "kaltune");
  check(outside.client(), nullptr, "none");
  // The summary counts the established connections of the cgroup: 4 of the 6 ends.
  EXPECT_EQ(report["summary"]["enforced"], 4) << report["summary"];
  const RunResult table =
      run_kaltune({"sockets", "--port", std::to_string(local_port(inside.client()))});
  EXPECT_NE(table.out.find("  " + cgroup_ + "\n"), std::string::npos) << table.out;
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
  // The metrics: the program's counters and the values, clean for promtool.
  const RunResult metrics = run_kaltune({"enforce", "--list", "--format", "prometheus"});
  ASSERT_EQ(metrics.status, 0) << metrics.err;
  EXPECT_NE(metrics.out.find("kaltune_enforce_connections_total{cgroup=\"" + cgroup_ +
                             "\",outcome=\"keepalive\"} 2\n"),
            std::string::npos)
      << metrics.out;
  EXPECT_NE(
      metrics.out.find("kaltune_enforce_user_timeout_seconds{cgroup=\"" + cgroup_ + "\"} 180\n"),
      std::string::npos)
      << metrics.out;
  if (run({"promtool", "--version"}).status == 0) {
    RunOptions input;
    input.stdin_text = metrics.out;
    const RunResult lint = run({"promtool", "check", "metrics"}, input);
    EXPECT_EQ(lint.status, 0) << lint.out << lint.err;
  }
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

TEST_F(EnforceLife, ListNamesAPinItCannotRead) {
  if (run({"bpftool", "version"}).status != 0) {
    GTEST_SKIP() << "no bpftool (Debian package bpftool)";
  }
  ASSERT_EQ(enforce({"--sysctl-values"}).status, 0);
  const RunResult stray =
      run({"bpftool", "map", "create", "/sys/fs/bpf/kaltune/enforce/stray", "type", "array", "key",
           "4", "value", "4", "entries", "1", "name", "stray"});
  ASSERT_EQ(stray.status, 0) << stray.err;
  const RunResult listed = run_kaltune({"--json", "enforce", "--list"});
  ASSERT_EQ(listed.status, 0) << listed.err;
  const json rows = json::parse(listed.out)["enforcements"];
  ASSERT_EQ(rows.size(), 2U) << listed.out;
  EXPECT_EQ(rows[0]["state"], "in_force");
  EXPECT_EQ(rows[1]["cgroup"], "stray");
  EXPECT_EQ(rows[1]["state"], "unreadable");
  EXPECT_EQ(rows[1]["attached"]["pin"], "stray");
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
      {{"enforce", "--pod", "web-0", "--sysctl-values"},
       2,
       "kaltune: invalid --pod value 'web-0': expected NAMESPACE/NAME\n"},
      {{"enforce", "--pod", "shop/web-0", "--sysctl-values"}, 4, ""},
      {{"enforce", "--unit", "kaltune-no-such.service", "--sysctl-values"}, 4, ""},
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
  // "/" is the whole machine: the root of the cgroup2 mount, not the directory / (a dry run only:
  // a test attaches nothing outside its own cgroup).
  const RunResult whole =
      run_kaltune({"--json", "enforce", "--cgroup", "/", "--sysctl-values", "--dry-run"});
  ASSERT_EQ(whole.status, 0) << whole.err;
  EXPECT_EQ(json::parse(whole.out)["cgroup"], "/");
  EXPECT_EQ(json::parse(whole.out)["directory"], mount_);
  EXPECT_EQ(json::parse(list_json())["enforcements"], json::array());
  enter();
  const Connection after;
  leave();
  EXPECT_EQ(options_of(after.client()), nothing);
}

// How long until a read on `fd` fails, and with which errno (0: nothing within `limit`).
struct Failure {
  double seconds = 0;
  int error = 0;
};

Failure wait_for_failure(int fd, std::chrono::steady_clock::time_point since,
                         std::chrono::seconds limit) {
  const auto deadline = since + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return {};
    }
    pollfd poll_fd{fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(left.count())) > 0) {
      char byte = 0;
      const ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT);
      const int error = n < 0 ? errno : 0;
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - since;
      return {elapsed.count(), n == 0 ? -1 : error};
    }
  }
}

// core/verify's tolerance: the timer wheel fires late by up to about an eighth, never early.
void expect_dead_after(const Failure& failure, double expected) {
  EXPECT_EQ(failure.error, ETIMEDOUT) << "after " << failure.seconds << " s";
  const double tolerance = 0.5 + expected / 8;
  EXPECT_GE(failure.seconds, expected - tolerance);
  EXPECT_LE(failure.seconds, expected + tolerance);
}

using EnforceDeadPeer = EnforceTest;

TEST_F(EnforceDeadPeer, IdlePeerOfAProgramThatNeverAskedIsDeclaredDead) {
  ASSERT_EQ(enforce({"--time", "2", "--intvl", "1", "--probes", "2"}).status, 0);
  // The client (a program that never asked) in the cgroup; its peer outside it, silenced, so
  // that only the client's keepalive runs (a peer that times out itself would reset it).
  const auto start = std::chrono::steady_clock::now();
  const Connection connection(false, {}, [this](int) { enter(); });
  leave();
  EXPECT_EQ(options_of(connection.server()).keepalive, 0);
  silence(connection.server());
  expect_dead_after(wait_for_failure(connection.client(), start, std::chrono::seconds(20)), 4.0);
}

TEST_F(EnforceDeadPeer, UserTimeoutAutoDropsAPeerThatVanishedWithDataInFlight) {
  ASSERT_EQ(
      enforce({"--time", "2", "--intvl", "1", "--probes", "2", "--user-timeout", "auto"}).status,
      0);
  const Connection connection(false, {}, [this](int) { enter(); }); // only the client inside
  leave();
  silence(connection.server());
  const auto start = std::chrono::steady_clock::now();
  send_bytes(connection.client(), "unacknowledged");
  expect_dead_after(wait_for_failure(connection.client(), start, std::chrono::seconds(20)), 4.0);
}

TEST_F(EnforceDeadPeer, WithoutUserTimeoutDataInFlightOutlivesKeepalive) {
  // Keepalive does not run while data is unacknowledged: tcp_retries2 (15, about 15 minutes in
  // this namespace) decides, so the same values do not end the connection within 30 s.
  ASSERT_EQ(enforce({"--time", "2", "--intvl", "1", "--probes", "2"}).status, 0);
  const Connection connection(false, {}, [this](int) { enter(); }); // only the client inside
  leave();
  silence(connection.server());
  const auto start = std::chrono::steady_clock::now();
  send_bytes(connection.client(), "unacknowledged");
  const Failure failure = wait_for_failure(connection.client(), start, std::chrono::seconds(30));
  EXPECT_EQ(failure.error, 0) << "ended after " << failure.seconds << " s";
}

using EnforceRuns = EnforceTest;

// The values of the one attachment --list reports, as "time/intvl/probes" ("" when none, "many"
// when more than one).
std::string attached_values(const std::string& list) {
  const json rows = json::parse(list)["enforcements"];
  if (rows.empty()) {
    return "";
  }
  if (rows.size() > 1) {
    return "many";
  }
  const json& values = rows[0]["attached"]["values"];
  return std::to_string(values["time"].get<int>()) + "/" +
         std::to_string(values["intvl"].get<int>()) + "/" +
         std::to_string(values["probes"].get<int>()) + " " + rows[0]["state"].get<std::string>();
}

TEST_F(EnforceRuns, KilledAtAnyBpfCallLeavesTheOldOrTheNew) {
  if (run({"strace", "-V"}).status != 0) {
    GTEST_SKIP() << "no strace (Debian package strace)";
  }
  const std::vector<std::string> old_values{"--time", "60", "--intvl", "10", "--probes", "6"};
  const std::vector<std::string> new_values{"--time", "30", "--intvl", "5", "--probes", "3"};
  const auto traced = [&](const std::string& inject) {
    std::vector<std::string> argv{"strace", "-f", "-o", "/dev/null", "-e", "trace=bpf"};
    if (!inject.empty()) {
      argv.insert(argv.end(), {"-e", inject});
    }
    argv.insert(argv.end(), {kaltune_binary(), "enforce", "--cgroup", cgroup_});
    argv.insert(argv.end(), new_values.begin(), new_values.end());
    return run(argv);
  };
  // How many bpf() calls a replacing run makes.
  ASSERT_EQ(enforce(old_values).status, 0);
  const std::string trace_file = "/run/enforce.trace";
  const RunResult counted =
      run({"strace", "-f", "-o", trace_file, "-e", "trace=bpf", kaltune_binary(), "enforce",
           "--cgroup", cgroup_, "--time", "30", "--intvl", "5", "--probes", "3"});
  ASSERT_EQ(counted.status, 0) << counted.err;
  std::ifstream trace(trace_file);
  int calls = 0;
  for (std::string line; std::getline(trace, line);) {
    calls += line.find("bpf(") != std::string::npos ? 1 : 0;
  }
  ASSERT_GT(calls, 3);
  for (const bool fresh : {false, true}) {
    for (int k = 1; k <= calls + 1; ++k) {
      ASSERT_EQ(enforce(fresh ? std::vector<std::string>{"--off"} : old_values).status, 0);
      traced("inject=bpf:signal=SIGKILL:when=" + std::to_string(k));
      const std::string state = attached_values(list_json());
      const std::set<std::string> allowed =
          fresh ? std::set<std::string>{"", "30/5/3 in_force"}
                : std::set<std::string>{"60/10/6 in_force", "30/5/3 in_force"};
      EXPECT_EQ(allowed.count(state), 1U)
          << (fresh ? "attach" : "replace") << " killed at bpf call " << k << ": " << state;
    }
  }
}

TEST_F(EnforceRuns, ConcurrentRunsSerializeOnTheLock) {
  const int fd = ::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  Process first({kaltune_binary(), "enforce", "--cgroup", cgroup_, "--time", "60", "--intvl", "10",
                 "--probes", "6"});
  Process second({kaltune_binary(), "enforce", "--cgroup", cgroup_, "--time", "30", "--intvl", "5",
                  "--probes", "3"});
  const bool first_waits =
      first.wait_for_err("to release /run/kaltune.lock", std::chrono::seconds(60));
  const bool second_waits =
      second.wait_for_err("to release /run/kaltune.lock", std::chrono::seconds(60));
  EXPECT_EQ(attached_values(list_json()), "") << "attached before the lock was free";
  ::close(fd);
  const RunResult one = first.finish();
  const RunResult two = second.finish();
  EXPECT_TRUE(first_waits && second_waits) << one.err << two.err;
  EXPECT_EQ(one.status, 0) << one.err;
  EXPECT_EQ(two.status, 0) << two.err;
  const std::string state = attached_values(list_json());
  EXPECT_TRUE(state == "60/10/6 in_force" || state == "30/5/3 in_force") << state;
}

using EnforcePersist = EnforceTest;

const std::string config_header =
    "# Written by kaltune enforce --persist: the cgroups whose TCP connections get keepalive.\n"
    "# kaltune-enforce.service attaches them at boot (systemctl enable "
    "kaltune-enforce.service);\n"
    "# kaltune enforce --cgroup PATH --off --persist removes a line.\n";

std::string list_state(const std::string& list) {
  const json rows = json::parse(list)["enforcements"];
  std::string out;
  for (const json& row : rows) {
    out += row["cgroup"].get<std::string>() + " " + row["state"].get<std::string>() + ";";
  }
  return out;
}

TEST_F(EnforcePersist, ConfigurationAttachedAgainByApplyPersisted) {
  private_etc();
  const RunResult persisted =
      enforce({"--time", "60", "--intvl", "10", "--probes", "6", "--persist"});
  ASSERT_EQ(persisted.status, 0) << persisted.err;
  EXPECT_EQ(read_file("/etc/kaltune/enforce.conf"),
            config_header + "cgroup=" + cgroup_ + " time=60 intvl=10 probes=6\n");
  EXPECT_EQ(list_state(list_json()), cgroup_ + " in_force;");
  // What a reboot does: the attachment goes, the configuration stays.
  ASSERT_EQ(enforce({"--off"}).status, 0);
  EXPECT_EQ(list_state(list_json()), cgroup_ + " not_attached;");
  const RunResult applied = run_kaltune({"enforce", "--apply-persisted"});
  ASSERT_EQ(applied.status, 0) << applied.err;
  EXPECT_EQ(list_state(list_json()), cgroup_ + " in_force;");
  enter();
  const Connection connection;
  leave();
  EXPECT_EQ(options_of(connection.client()), (Options{1, 60, 10, 6, 0}));
  // Other values now, not persisted: boot would bring the persisted ones back.
  ASSERT_EQ(enforce({"--time", "30", "--intvl", "5", "--probes", "3"}).status, 0);
  EXPECT_EQ(list_state(list_json()), cgroup_ + " differs;");
  const RunResult text = run_kaltune({"enforce", "--list"});
  EXPECT_NE(text.out.find("persisted differently (boot applies this)"), std::string::npos)
      << text.out;
  ASSERT_EQ(enforce({"--off", "--persist"}).status, 0);
  EXPECT_EQ(read_file("/etc/kaltune/enforce.conf"), config_header);
  EXPECT_EQ(list_state(list_json()), "");
}

TEST_F(EnforcePersist, ApplyPersistedSkipsACgroupNotMadeYet) {
  private_etc();
  ASSERT_EQ(::mkdir("/etc/kaltune", 0755), 0);
  {
    std::ofstream out("/etc/kaltune/enforce.conf");
    out << "cgroup=" << cgroup_ << "/later sysctl-values\ncgroup=" << cgroup_
        << " time=60 intvl=10 probes=6\n";
  }
  const RunResult applied = run_kaltune({"enforce", "--apply-persisted"});
  EXPECT_EQ(applied.status, 0) << applied.err;
  EXPECT_EQ(applied.err,
            "warning: cgroup " + cgroup_ + "/later does not exist (yet): not attached\n");
  EXPECT_EQ(list_state(list_json()), cgroup_ + " in_force;" + cgroup_ + "/later not_attached;");
}

TEST_F(EnforcePersist, UnitGetsADropInThatAttachesAtEachStart) {
  private_etc();
  const std::string unit = "kaltune-test-" + std::to_string(::getpid()) + ".service";
  const std::string dir = directory_ + "/" + unit;
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  const RunResult fleeting =
      run_kaltune({"enforce", "--unit", unit, "--time", "60", "--intvl", "10", "--probes", "6"});
  EXPECT_EQ(fleeting.status, 0) << fleeting.err;
  EXPECT_NE(fleeting.out.find("note: this lasts until " + unit + " restarts"), std::string::npos)
      << fleeting.out;
  const RunResult persisted = run_kaltune(
      {"enforce", "--unit", unit, "--time", "60", "--intvl", "10", "--probes", "6", "--persist"});
  EXPECT_EQ(persisted.status, 0) << persisted.err;
  EXPECT_EQ(persisted.out.find("note:"), std::string::npos) << persisted.out;
  const std::string dropin = "/etc/systemd/system/" + unit + ".d/kaltune-enforce.conf";
  EXPECT_EQ(read_file(dropin),
            "# Written by kaltune enforce --unit " + unit +
                " --persist; removed by --off --persist.\n"
                "# The unit's cgroup is made anew at each start: attach kaltune's keepalive "
                "program to it\n"
                "# before the main process runs (values: /etc/kaltune/enforce.conf).\n"
                "[Service]\n"
                "ExecStartPre=+-" +
                kaltune_binary() + " -q enforce --apply-persisted --unit " + unit + "\n");
  // systemd reads the drop-in cleanly: a unit of that name beside it (the test's own
  // /etc/systemd/system) verified with it.
  if (run({"systemd-analyze", "--version"}).status == 0) {
    {
      std::ofstream unit_file("/etc/systemd/system/" + unit);
      unit_file << "[Unit]\nDescription=kaltune test\n[Service]\nExecStart=/bin/true\n";
    }
    RunOptions no_color;
    no_color.env["SYSTEMD_LOG_COLOR"] = "0";
    const RunResult verified =
        run({"systemd-analyze", "verify", "--man=no", "/etc/systemd/system/" + unit}, no_color);
    EXPECT_EQ(verified.status, 0) << verified.err;
    EXPECT_EQ(verified.err, "");
    const RunResult shown = run(
        {"systemd-analyze", "cat-config", "systemd/system/" + unit + ".d/kaltune-enforce.conf"});
    EXPECT_NE(shown.out.find("ExecStartPre=+-"), std::string::npos) << shown.out << shown.err;
  }
  // The unit restarts: systemd removes its cgroup and makes it anew; the drop-in's command runs.
  ASSERT_EQ(enforce({"--off"}).status, 0); // nothing on the parent
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  EXPECT_EQ(list_state(list_json()), cgroup_ + "/" + unit + " cgroup_gone;");
  const RunResult start = run_kaltune({"-q", "enforce", "--apply-persisted", "--unit", unit});
  EXPECT_EQ(start.status, 0) << start.err;
  EXPECT_EQ(list_state(list_json()), cgroup_ + "/" + unit + " in_force;");
  const RunResult off = run_kaltune({"enforce", "--unit", unit, "--off", "--persist"});
  EXPECT_EQ(off.status, 0) << off.err;
  EXPECT_FALSE(std::filesystem::exists(dropin));
  ::rmdir(dir.c_str());
  const RunResult slice =
      run_kaltune({"enforce", "--unit", "user.slice", "--sysctl-values", "--persist"});
  EXPECT_NE(slice.status, 0);
}

} // namespace
} // namespace kaltune::itest
