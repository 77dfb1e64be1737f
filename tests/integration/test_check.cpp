// check against the real kernel's values, inside the private network namespace.

#include "harness.hpp"
#include "loopback.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

namespace kaltune::itest {
namespace {

class Check : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    write_sysctl("net.ipv4.tcp_keepalive_time", 300);
    write_sysctl("net.ipv4.tcp_keepalive_intvl", 10);
    write_sysctl("net.ipv4.tcp_keepalive_probes", 3);
    // Busy connections given up within 234 s (core/busy): --max-detect holds both halves.
    write_sysctl("net.ipv4.tcp_retries2", 8);
  }
  void TearDown() override { write_sysctl("net.ipv4.tcp_retries2", 15); }
};

TEST_F(Check, PolicyMetIsExitZero) {
  const auto result = run_kaltune({"check", "--max-detect", "5m30s", "--idle-timeout", "350"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "OK: dead peer detected after 330 s (5m30s)\n");
}

TEST_F(Check, PolicyViolatedIsExitOne) {
  const auto result = run_kaltune({"check", "--max-detect", "329"});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.out.find("CRITICAL: a dead peer is detected after 330 s"), std::string::npos)
      << result.out;
  write_sysctl("net.ipv4.tcp_keepalive_time", 400);
  const auto idle = run_kaltune({"--json", "check", "--idle-timeout", "350"});
  EXPECT_EQ(idle.status, 1);
  EXPECT_EQ(nlohmann::json::parse(idle.out)["status"], "critical");
}

// With data in flight, the kernel's default tcp_retries2 of 15 may take until 1177.5 s: a
// --max-detect of 10 minutes fails on the busy half alone, and --survive-outage holds both.
TEST_F(Check, MaxDetectHoldsTheBusyHalf) {
  write_sysctl("net.ipv4.tcp_retries2", 15);
  const auto result = run_kaltune({"--json", "check", "--max-detect", "10m"});
  EXPECT_EQ(result.status, 1) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json["findings"].size(), 1u) << result.out;
  EXPECT_NE(json["findings"][0]["message"].get<std::string>().find(
                "with data in flight a dead peer is given up at the latest 1177.489 s"),
            std::string::npos)
      << result.out;
  EXPECT_EQ(run_kaltune({"check", "--max-detect", "20m"}).status, 0);
  // 3 probes 10 s apart span 20 s; tcp_retries2 15 retransmits for over 11 minutes.
  const auto outage = run_kaltune({"check", "--survive-outage", "30s"});
  EXPECT_EQ(outage.status, 1);
  EXPECT_EQ(outage.out.rfind("CRITICAL: 3 probes 10 s apart span 20 s: an outage of 30 s ends a "
                             "healthy idle connection\n",
                             0),
            0u)
      << outage.out;
  write_sysctl("net.ipv4.tcp_retries2", 3);
  const auto busy = run_kaltune({"check", "--survive-outage", "20s"});
  EXPECT_EQ(busy.status, 1);
  EXPECT_NE(busy.out.find("CRITICAL: with data in flight the last retransmission may come"),
            std::string::npos)
      << busy.out;
}

// --max-uncovered counts the namespace's established connections without keepalive, as the
// kernel reports them: a pair is two, one end with SO_KEEPALIVE leaves one.
TEST_F(Check, MaxUncoveredCountsConnectionsWithoutKeepalive) {
  loopback_at_defaults();
  Loopback loopback;
  const Pair& pair = loopback.connect();
  const auto two = run_kaltune({"--json", "check", "--max-uncovered", "1"});
  EXPECT_EQ(two.status, 1) << two.err;
  const auto report = nlohmann::json::parse(two.out);
  EXPECT_EQ(report["uncovered"], 2);
  EXPECT_EQ(report["max_uncovered"], 1);
  ASSERT_EQ(report["findings"].size(), 1U) << report;
  EXPECT_EQ(report["findings"][0]["message"],
            "2 established connections without keepalive (at most 1): a dead peer is never "
            "detected on them; kaltune sockets lists them, kaltune enforce gives their programs "
            "keepalive");
  set_int_option(pair.client, SOL_SOCKET, SO_KEEPALIVE, 1);
  const auto one = run_kaltune({"check", "--max-uncovered", "1", "--nagios"});
  EXPECT_EQ(one.status, 0) << one.out;
  EXPECT_NE(one.out.find(" uncovered=1;;1\n"), std::string::npos) << one.out;
  EXPECT_EQ(run_kaltune({"check", "--max-uncovered", "x"}).status, 2);
}

TEST_F(Check, NagiosCodes) {
  EXPECT_EQ(run_kaltune({"check", "--nagios", "--max-detect", "1h"}).status, 0);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 0);
  const auto warning = run_kaltune({"check", "--nagios"});
  EXPECT_EQ(warning.status, 1);
  EXPECT_EQ(warning.out.rfind("KALTUNE WARNING - ", 0), 0u) << warning.out;
  EXPECT_EQ(run_kaltune({"check", "--nagios", "--max-detect", "10"}).status, 2);
  const auto unknown = run_kaltune({"--netns", "kaltune-no-such-ns", "check", "--nagios"});
  EXPECT_EQ(unknown.status, 3);
  EXPECT_EQ(unknown.out, "KALTUNE UNKNOWN - no network namespace kaltune-no-such-ns: "
                         "/run/netns/kaltune-no-such-ns does not exist\n");
}

TEST_F(Check, NagiosUsageErrorsAreUnknown) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"check", "--nagios", "--max-detect", "5.5"},
                                             {"check", "--nagios", "--bogus"},
                                             {"check", "--nagios", "extra"}}) {
    const auto result = run_kaltune(args);
    EXPECT_EQ(result.status, 3) << args.back();
    EXPECT_EQ(result.out.rfind("KALTUNE UNKNOWN - ", 0), 0u) << result.out;
    EXPECT_NE(result.out.find(args.back()), std::string::npos) << result.out;
  }
}

TEST_F(Check, BadLimitIsUsageError) {
  const auto result = run_kaltune({"check", "--max-detect", "5.5"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("invalid --max-detect value '5.5'"), std::string::npos) << result.err;
}

} // namespace
} // namespace kaltune::itest
