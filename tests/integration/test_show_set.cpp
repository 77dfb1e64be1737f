// show and set against the real kernel, inside the test process's private network namespace.

#include "harness.hpp"
#include "replay.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <sys/mount.h>

namespace kaltune::itest {
namespace {

const std::vector<long> defaults{7200, 75, 9};

class ShowSet : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    // Every test starts from the kernel defaults of its namespace.
    write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
    write_sysctl("net.ipv4.tcp_keepalive_intvl", 75);
    write_sysctl("net.ipv4.tcp_keepalive_probes", 9);
  }
};

TEST_F(ShowSet, ShowJsonMatchesProcSys) {
  write_sysctl("net.ipv4.tcp_keepalive_time", 600);
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 30);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 4);
  const auto result = run_kaltune({"--json", "show"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 600);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_intvl"]["value"], 30);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_probes"]["value"], 4);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["origin"], "running");
  EXPECT_EQ(json["detect_seconds"], 600 + 30 * 4);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_retries2"]["value"],
            read_sysctl("net.ipv4.tcp_retries2"));
  EXPECT_EQ(json["busy"]["limit_ms"], 924600); // tcp_retries2 15 in a fresh namespace
  EXPECT_EQ(result.err, "");
}

TEST_F(ShowSet, ShowTableMatchesProcSys) {
  write_sysctl("net.ipv4.tcp_keepalive_time", 300);
  const auto result = run_kaltune({"show"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("net.ipv4.tcp_keepalive_time    300 s (5m)"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("Idle: a dead peer is detected after 975 s (16m15s)"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("SO_KEEPALIVE"), std::string::npos);
}

TEST_F(ShowSet, ShowSysctlFormatIsValidSysctlInput) {
  const auto result = run_kaltune({"show", "--format", "sysctl"});
  ASSERT_EQ(result.status, 0);
  EXPECT_EQ(result.out, "net.ipv4.tcp_keepalive_time = 7200\n"
                        "net.ipv4.tcp_keepalive_intvl = 75\n"
                        "net.ipv4.tcp_keepalive_probes = 9\n"
                        "net.ipv4.tcp_retries2 = 15\n");
  // procps reads it back into the kernel unchanged.
  TempRoot dir;
  const auto file = dir.write("ka.conf", result.out);
  const auto applied = run({"sysctl", "-q", "-p", file.string()});
  EXPECT_EQ(applied.status, 0) << applied.err;
  EXPECT_EQ(read_keepalive(), defaults);
}

TEST_F(ShowSet, ShowWarnsAboutValuesOutsideTheSocketApi) {
  write_sysctl("net.ipv4.tcp_keepalive_probes", 0);
  const auto result = run_kaltune({"show"});
  ASSERT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("net.ipv4.tcp_keepalive_probes  0"), std::string::npos) << result.out;
  EXPECT_NE(result.err.find("warning: net.ipv4.tcp_keepalive_probes = 0 is outside what the "
                            "socket API accepts (1-127): the first unanswered probe resets even "
                            "healthy idle connections"),
            std::string::npos)
      << result.err;
}

TEST_F(ShowSet, SetWritesAndReadsBack) {
  const auto result = run_kaltune({"set", "--time", "5", "--intvl", "1", "--probes", "1"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_keepalive(), (std::vector<long>{5, 1, 1}));
  EXPECT_EQ(result.out, "set net.ipv4.tcp_keepalive_time: 7200 \u2192 5\n"
                        "set net.ipv4.tcp_keepalive_intvl: 75 \u2192 1\n"
                        "set net.ipv4.tcp_keepalive_probes: 9 \u2192 1\n"
                        "dead peer detected after: 7875 s (2h11m15s) \u2192 6 s\n");
}

TEST_F(ShowSet, SetAcceptsDurationsAndKeepsKeysNotGiven) {
  const auto result = run_kaltune({"set", "--time", "1h30m"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_keepalive(), (std::vector<long>{5400, 75, 9}));
}

TEST_F(ShowSet, SetIsIdempotent) {
  ASSERT_EQ(run_kaltune({"set", "--time", "90s", "--probes", "3"}).status, 0);
  const auto again = run_kaltune({"set", "--time", "90", "--probes", "3"});
  EXPECT_EQ(again.status, 0);
  EXPECT_EQ(again.out,
            "running: nothing to change; already time 90 intvl 75 probes 3 tcp_retries2 15\n");
  EXPECT_EQ(read_keepalive(), (std::vector<long>{90, 75, 3}));
}

TEST_F(ShowSet, DryRunWritesNothing) {
  const auto result = run_kaltune({"set", "--time", "5", "--dry-run"});
  ASSERT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("would set net.ipv4.tcp_keepalive_time: 7200 \u2192 5"),
            std::string::npos);
  EXPECT_EQ(read_keepalive(), defaults);
}

TEST_F(ShowSet, SetJson) {
  const auto result = run_kaltune({"--json", "set", "--intvl", "10"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["changes"].size(), 1u);
  EXPECT_EQ(json["changes"][0]["key"], "net.ipv4.tcp_keepalive_intvl");
  EXPECT_EQ(json["changes"][0]["from"], 75);
  EXPECT_EQ(json["changes"][0]["to"], 10);
  EXPECT_EQ(json["detect_seconds"], 7200 + 10 * 9);
}

TEST_F(ShowSet, ForceLimitsAreWhatEveryKernelStores) {
  const auto result = run_kaltune({"set", "--force", "--time", "2147483", "--intvl=-2147483"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_keepalive(), (std::vector<long>{2147483, -2147483, 9}));
}

TEST_F(ShowSet, ForceAllowsWhatTheKernelAcceptsWithAWarning) {
  const auto result = run_kaltune({"set", "--force", "--probes", "0", "--time=-1"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_keepalive(), (std::vector<long>{-1, 75, 0}));
  EXPECT_NE(result.err.find("warning: net.ipv4.tcp_keepalive_probes = 0"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("warning: net.ipv4.tcp_keepalive_time = -1"), std::string::npos);
}

struct BadLine {
  std::vector<std::string> args;
  std::string message; // a part of the one-line error
};

// gtest prints parameters in failure messages; show the command line instead of raw bytes.
void PrintTo(const BadLine& bad, std::ostream* os) {
  *os << "kaltune";
  for (const auto& arg : bad.args) {
    *os << " '" << arg << "'";
  }
}

class BadCommandLines : public ShowSet, public ::testing::WithParamInterface<BadLine> {};

TEST_P(BadCommandLines, ExitTwoWithMessageAndNothingChanged) {
  const auto& bad = GetParam();
  const auto result = run_kaltune(bad.args);
  EXPECT_EQ(result.status, 2) << result.out << result.err;
  EXPECT_NE(result.err.find(bad.message), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(read_keepalive(), defaults);
}

const std::string time_range = "accepted 1-32767 s";
const std::string probes_range = "accepted 1-127";

INSTANTIATE_TEST_SUITE_P(
    Table, BadCommandLines,
    ::testing::Values(
        BadLine{{"set", "--time", "0"},
                "tcp_keepalive_time (--time) value '0': out of range; " + time_range},
        BadLine{{"set", "--time=-1"},
                "tcp_keepalive_time (--time) value '-1': a sign is not allowed"},
        BadLine{{"set", "--time", "32768"},
                "tcp_keepalive_time (--time) value '32768': out of range"},
        BadLine{{"set", "--time", "5.5"}, "tcp_keepalive_time (--time) value '5.5'"},
        BadLine{{"set", "--time", "1e3"}, "tcp_keepalive_time (--time) value '1e3'"},
        BadLine{{"set", "--time", "0x10"}, "tcp_keepalive_time (--time) value '0x10'"},
        BadLine{{"set", "--time", "0300"},
                "tcp_keepalive_time (--time) value '0300': leading zero"},
        BadLine{{"set", "--time", "+5"}, "tcp_keepalive_time (--time) value '+5'"},
        BadLine{{"set", "--time", ""}, "tcp_keepalive_time (--time) value '': empty value"},
        BadLine{{"set", "--time", "5 "}, "tcp_keepalive_time (--time) value '5 '"},
        BadLine{{"set", "--time", "99999999999"},
                "tcp_keepalive_time (--time) value '99999999999': out of range"},
        BadLine{{"set", "--time", "99999999999999999999999"},
                "value '99999999999999999999999': too large"},
        BadLine{{"set", "--time", "5x"}, "tcp_keepalive_time (--time) value '5x'"},
        BadLine{{"set", "--intvl", "0"}, "tcp_keepalive_intvl (--intvl) value '0': out of range"},
        BadLine{{"set", "--intvl", "10h"},
                "tcp_keepalive_intvl (--intvl) value '10h': out of range"},
        BadLine{{"set", "--intvl", "1m1h"}, "tcp_keepalive_intvl (--intvl) value '1m1h'"},
        BadLine{{"set", "--probes", "0"},
                "tcp_keepalive_probes (--probes) value '0': out of range; " + probes_range},
        BadLine{{"set", "--probes", "128"},
                "tcp_keepalive_probes (--probes) value '128': out of range"},
        BadLine{{"set", "--probes", "5s"}, "tcp_keepalive_probes (--probes) value '5s'"},
        BadLine{{"set", "--probes", "\"9\""}, "tcp_keepalive_probes (--probes) value '\"9\"'"},
        BadLine{{"set", "--force", "--probes", "256"},
                "tcp_keepalive_probes (--probes) value '256': out of range; accepted 0-255"},
        BadLine{{"set", "--force", "--time", "2147484"},
                "value '2147484': out of range; accepted -2147483 to 2147483 s"},
        BadLine{{"set", "--force", "--intvl=-2147484"}, "value '-2147484': out of range"},
        // A valid value does not get written when another one is bad.
        BadLine{{"set", "--time", "5", "--probes", "1000"},
                "tcp_keepalive_probes (--probes) value '1000'"},
        BadLine{{"set"}, "give at least one of --time, --intvl, --probes"},
        BadLine{{"set", "--tme", "5"}, "--tme"}, BadLine{{"set", "--time"}, "--time"},
        BadLine{{"show", "--format", "yaml"}, "--format"},
        BadLine{{}, "a command is required: show, set"},
        BadLine{{"shwo"}, "unknown command 'shwo'; did you mean 'show'?"},
        BadLine{{"--netns", "x", "--pid", "1", "show"}, "--netns excludes --pid"}),
    [](const ::testing::TestParamInfo<BadLine>& info) {
      // "3_set_time_5_5": the index keeps names unique, the arguments make them readable.
      std::string name = std::to_string(info.index);
      for (const auto& arg : info.param.args) {
        name += '_';
        for (char c : arg) {
          name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        }
      }
      return name;
    });

TEST_F(ShowSet, RollsBackWhenALaterWriteFails) {
  // strace makes the kernel write of probes fail (EIO) after time and intvl succeeded.
  const auto result =
      run({"strace", "-f", "-o", "/dev/null", "-P", "/proc/sys/net/ipv4/tcp_keepalive_probes", "-e",
           "trace=write", "-e", "inject=write:error=EIO", kaltune_binary(), "set", "--time", "5",
           "--intvl", "1", "--probes", "1"});
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_EQ(result.err, "kaltune: cannot write '1' to /proc/sys/net/ipv4/tcp_keepalive_probes: "
                        "Input/output error; rolled back net.ipv4.tcp_keepalive_intvl = 75, "
                        "net.ipv4.tcp_keepalive_time = 7200\n");
  EXPECT_EQ(read_keepalive(), defaults);
}

TEST_F(ShowSet, ReadOnlyProcSysIsExitFourAndChangesNothing) {
  // As in many containers: /proc/sys mounted read-only (in this test's private mount namespace).
  ASSERT_EQ(::mount("/proc/sys", "/proc/sys", nullptr, MS_BIND, nullptr), 0)
      << std::strerror(errno);
  ASSERT_EQ(::mount(nullptr, "/proc/sys", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0)
      << std::strerror(errno);
  const auto result = run_kaltune({"set", "--time", "5"});
  ::umount2("/proc/sys", MNT_DETACH);
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_NE(result.err.find("Read-only file system"), std::string::npos) << result.err;
  EXPECT_EQ(read_keepalive(), defaults);
}

TEST_F(ShowSet, NonRootGetsExitThreeAndNoChange) {
  KALTUNE_REQUIRE_ROOT();
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const auto result = run_kaltune({"set", "--time", "5", "--probes", "2"}, nobody);
  EXPECT_EQ(result.status, 3) << result.err;
  EXPECT_NE(result.err.find("Permission denied"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("CAP_NET_ADMIN"), std::string::npos) << result.err;
  EXPECT_EQ(read_keepalive(), defaults);
}

TEST(Version, PrintsProjectVersion) {
  const auto result = run_kaltune({"--version"});
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.out, "kaltune " KALTUNE_VERSION "\n");
}

TEST(Help, ListsExitStatuses) {
  const auto result = run_kaltune({"--help"});
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("3  permission denied; nothing changed"), std::string::npos)
      << result.out;
}

TEST_F(ShowSet, EmptyStringOptionsAreUsageErrors) {
  const std::vector<std::vector<std::string>> cases{
      {"--netns", "", "show"},
      {"--root", "", "show"},
      {"show", "--source", ""},
      {"--root", "/", "show", "--source", ""},
      {"set", "--time", "600", "--persist", "--file", "", "--dry-run"},
      {"reset", "--persist", "--file", "", "--dry-run"},
      {"diff", ""},
      {"diff", "running", ""},
  };
  const auto before = read_keepalive();
  for (const auto& args : cases) {
    const RunResult result = run_kaltune(args);
    EXPECT_EQ(result.status, 2) << args[0] << " " << args[1] << ": " << result.err;
    EXPECT_EQ(result.out, "");
    // One line saying what is wrong (then CLI11's pointer to --help, as for any usage error).
    const std::string first = result.err.substr(0, result.err.find('\n'));
    EXPECT_NE(first.find(": must not be empty"), std::string::npos) << result.err;
  }
  EXPECT_EQ(read_keepalive(), before);
}

// Not a filesystem error (exit 4) from trying to use the path: the command line is wrong, so exit
// 2 before any lock is taken or file planned, and the files stay as they were.
TEST_F(ShowSet, ResetPersistWithEmptyFileIsAUsageError) {
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  Mounts mounts;
  mounts.tmpfs("/run"); // kaltune's lock, should it get that far
  const TempRoot root;
  const std::string own = "net.ipv4.tcp_keepalive_time = 600\n";
  const std::string conf = "# local\nnet.ipv4.tcp_keepalive_probes = 4\n";
  root.write("etc/sysctl.d/99-kaltune.conf", own);
  root.write("etc/sysctl.conf", conf);
  const RunResult result = run_kaltune({"--root", root.path().string(), "--boot-model", "systemd",
                                        "reset", "--persist", "--file", ""});
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err.substr(0, result.err.find('\n')), "kaltune: --file: must not be empty");
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.d/99-kaltune.conf"), own);
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.conf"), conf);
}

} // namespace
} // namespace kaltune::itest
