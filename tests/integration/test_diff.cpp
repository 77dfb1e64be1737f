// kaltune diff: exit statuses (0 identical, 1 different, 2 bad source, 4 unreadable) and exact
// output, against the private network namespace's running values and a temporary --root.

#include "../common/layouts.hpp"
#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace kaltune::itest {
namespace {

class Diff : public ::testing::Test {
protected:
  TempRoot root;
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
    write_sysctl("net.ipv4.tcp_keepalive_intvl", 75);
    write_sysctl("net.ipv4.tcp_keepalive_probes", 9);
    layouts::write_layout(layouts::Layout{}, root.path());
    root.write("etc/sysctl.d/99-kaltune.conf",
               "# a\n# b\n# c\nnet.ipv4.tcp_keepalive_time = 600\n");
  }
  RunResult kaltune(std::vector<std::string> args, const RunOptions& options = {}) {
    args.insert(args.begin(), {"--root", root.path().string(), "--boot-model", "systemd"});
    return run_kaltune(args, options);
  }
};

TEST_F(Diff, RunningAgainstBootByDefault) {
  const RunResult result = kaltune({"diff"});
  EXPECT_EQ(result.status, 1) << result.err;
  EXPECT_EQ(result.out, "--- running\n"
                        "+++ boot\n"
                        "-net.ipv4.tcp_keepalive_time = 7200\n"
                        "+net.ipv4.tcp_keepalive_time = 600  # /etc/sysctl.d/99-kaltune.conf:4\n"
                        " net.ipv4.tcp_keepalive_intvl = 75  # kernel default\n"
                        " net.ipv4.tcp_keepalive_probes = 9  # kernel default\n"
                        " net.ipv4.tcp_retries2 = 15  # kernel default\n");
  EXPECT_EQ(result.err, "");
}

TEST_F(Diff, IdenticalIsExitZeroAndSilent) {
  write_sysctl("net.ipv4.tcp_keepalive_time", 600);
  const RunResult result = kaltune({"diff"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(kaltune({"diff", "default", "running", "--format", "table"}).status, 1);
}

TEST_F(Diff, ConfigFileAndSnapshotSources) {
  const auto conf = root.write("other.conf", "net.ipv4.tcp_keepalive_probes = 3\n");
  const RunResult file = run_kaltune({"diff", "default", conf.string()});
  EXPECT_EQ(file.status, 1) << file.err;
  EXPECT_EQ(file.out, "--- default\n+++ " + conf.string() +
                          "\n"
                          " net.ipv4.tcp_keepalive_time = 7200  # kernel default\n"
                          " net.ipv4.tcp_keepalive_intvl = 75  # kernel default\n"
                          "-net.ipv4.tcp_keepalive_probes = 9  # kernel default\n"
                          "+net.ipv4.tcp_keepalive_probes = 3  # " +
                          conf.string() +
                          ":1\n"
                          " net.ipv4.tcp_retries2 = 15  # kernel default\n");
  // A snapshot from "another host": this namespace's show --json, then changed values here.
  const RunResult show = run_kaltune({"--json", "show"});
  ASSERT_EQ(show.status, 0);
  const auto snapshot = root.write("host1.json", show.out);
  EXPECT_EQ(run_kaltune({"diff", snapshot.string(), "running"}).status, 0);
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 10);
  const RunResult drift = run_kaltune({"diff", snapshot.string(), "running"});
  EXPECT_EQ(drift.status, 1);
  EXPECT_EQ(drift.out, "--- " + snapshot.string() +
                           "\n+++ running\n"
                           " net.ipv4.tcp_keepalive_time = 7200\n"
                           "-net.ipv4.tcp_keepalive_intvl = 75  # running\n"
                           "+net.ipv4.tcp_keepalive_intvl = 10\n"
                           " net.ipv4.tcp_keepalive_probes = 9\n"
                           " net.ipv4.tcp_retries2 = 15\n");
}

TEST_F(Diff, TableWithOriginsAndDetectionTimes) {
  const RunResult result = kaltune({"diff", "--format", "table"});
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.out,
            "  KEY                            running       boot          ORIGIN (running)  "
            "ORIGIN (boot)\n"
            "* net.ipv4.tcp_keepalive_time    7200 s (2h)   600 s (10m)   running           "
            "/etc/sysctl.d/99-kaltune.conf:4\n"
            "  net.ipv4.tcp_keepalive_intvl   75 s (1m15s)  75 s (1m15s)  running           "
            "kernel default\n"
            "  net.ipv4.tcp_keepalive_probes  9             9             running           "
            "kernel default\n"
            "  net.ipv4.tcp_retries2          15            15            running           "
            "kernel default\n"
            "\n"
            "Dead peer detected after: idle (time + intvl \u00d7 probes) running 7875 s "
            "(2h11m15s), boot 1275 s (21m15s); busy (tcp_retries2, from the first "
            "retransmission) running 924.6 s, boot 924.6 s\n"
            "1 of 4 keys differ\n");
}

TEST_F(Diff, Json) {
  const RunResult result = kaltune({"--json", "diff", "default", "boot"});
  EXPECT_EQ(result.status, 1);
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["identical"], false);
  EXPECT_EQ(json["a"]["source"], "default");
  EXPECT_EQ(json["b"]["settings"]["net.ipv4.tcp_keepalive_time"]["origin"],
            "/etc/sysctl.d/99-kaltune.conf:4");
  EXPECT_EQ(json["differences"][0]["key"], "net.ipv4.tcp_keepalive_time");
  EXPECT_EQ(json["differences"][0]["b"], 600);
}

TEST_F(Diff, Errors) {
  const RunResult unknown = run_kaltune({"diff", "default", "bogus"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(unknown.err,
            "kaltune: unknown source 'bogus': running, boot, default, a sysctl config file or a "
            "`kaltune --json show` snapshot (a path)\n");
  const RunResult missing = run_kaltune({"diff", "default", "/nonexistent/x.conf"});
  EXPECT_EQ(missing.status, 4);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("/nonexistent/x.conf"), std::string::npos) << missing.err;
  const RunResult directory = run_kaltune({"diff", "default", root.path().string()});
  EXPECT_EQ(directory.status, 4);
  EXPECT_NE(directory.err.find("is not a regular file (a directory)"), std::string::npos)
      << directory.err;
  const RunResult device = run_kaltune({"diff", "default", "/dev/zero"});
  EXPECT_EQ(device.status, 4);
  EXPECT_EQ(device.err, "kaltune: source /dev/zero is not a regular file (a device); a sysctl "
                        "config file or a `kaltune --json show` snapshot must be one\n");
  const auto bad = root.write("bad.json", "{ \"settings\": {} }");
  const RunResult not_snapshot = run_kaltune({"diff", bad.string()});
  EXPECT_EQ(not_snapshot.status, 2);
  EXPECT_NE(not_snapshot.err.find("not a `kaltune --json show` snapshot"), std::string::npos);
  EXPECT_EQ(run_kaltune({"diff", "--format", "yaml"}).status, 2);
}

TEST_F(Diff, ConfigFileSourceIsReadInsideTheRoot) {
  // The host has no such file; the root does (written in SetUp).
  const RunResult result = kaltune({"diff", "default", "/etc/sysctl.d/99-kaltune.conf"});
  EXPECT_EQ(result.status, 1) << result.err;
  EXPECT_NE(result.out.find("+net.ipv4.tcp_keepalive_time = 600"), std::string::npos) << result.out;
  const RunResult host_only = kaltune({"diff", "default", "/etc/hostname"});
  EXPECT_EQ(host_only.status, 4);
  EXPECT_NE(host_only.err.find("cannot open source /etc/hostname"), std::string::npos)
      << host_only.err;
}

TEST_F(Diff, SnapshotValuesTheKernelCannotHoldAreRefused) {
  const RunResult show = run_kaltune({"--json", "show"});
  ASSERT_EQ(show.status, 0) << show.err;
  auto json = nlohmann::json::parse(show.out);
  json["settings"]["net.ipv4.tcp_keepalive_probes"]["value"] = 9223372036854775807LL;
  const auto snapshot = root.write("huge.json", json.dump());
  const RunResult result = run_kaltune({"diff", snapshot.string(), "running"});
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "kaltune: " + snapshot.string() +
                            ": net.ipv4.tcp_keepalive_probes = 9223372036854775807 is outside "
                            "what any kernel holds (0 to 255)\n");
}

// A kernel with HZ below 1000 (Debian's 250) holds a time above kaltune's own write limit; a
// snapshot of it, kaltune's own `show --json`, is a snapshot like any other.
TEST_F(Diff, SnapshotOfAKernelHoldingMoreThanKaltuneWritesIsRead) {
  std::ofstream out("/proc/sys/net/ipv4/tcp_keepalive_time");
  out << 3000000;
  out.close();
  if (!out) {
    GTEST_SKIP() << "this kernel (HZ=1000) does not hold 3000000 s";
  }
  const RunResult show = run_kaltune({"--json", "show"});
  ASSERT_EQ(show.status, 0) << show.err;
  const auto snapshot = root.write("hz250.json", show.out);
  const RunResult same = run_kaltune({"diff", snapshot.string(), "running"});
  EXPECT_EQ(same.status, 0) << same.err;
  EXPECT_EQ(same.err, "");
  const RunResult other = run_kaltune({"diff", snapshot.string(), "default"});
  EXPECT_EQ(other.status, 1) << other.err;
  EXPECT_NE(other.out.find("-net.ipv4.tcp_keepalive_time = 3000000"), std::string::npos)
      << other.out;
}

TEST_F(Diff, ColourOnATerminalAndNeverWithNoColor) {
  // script(1) gives kaltune a terminal for stdout.
  const std::string command = kaltune_binary() + " --root " + root.path().string() +
                              " --boot-model systemd diff default boot";
  RunOptions with_colour;
  with_colour.unset_env = {"NO_COLOR"};
  const RunResult tty = run({"script", "-qec", command, "/dev/null"}, with_colour);
  EXPECT_NE(tty.out.find("\033[31m-net.ipv4.tcp_keepalive_time = 7200"), std::string::npos)
      << tty.out;
  RunOptions no_colour;
  no_colour.env = {{"NO_COLOR", "1"}};
  const RunResult plain = run({"script", "-qec", command, "/dev/null"}, no_colour);
  EXPECT_NE(plain.out.find("-net.ipv4.tcp_keepalive_time = 7200"), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find('\033'), std::string::npos);
  // Not a terminal: no colour either.
  EXPECT_EQ(kaltune({"diff", "default", "boot"}, with_colour).out.find('\033'), std::string::npos);
}

} // namespace
} // namespace kaltune::itest
