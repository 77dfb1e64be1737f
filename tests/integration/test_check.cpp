// check against the real kernel's values, inside the private network namespace.

#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace kaltune::itest {
namespace {

class Check : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    write_sysctl("net.ipv4.tcp_keepalive_time", 300);
    write_sysctl("net.ipv4.tcp_keepalive_intvl", 10);
    write_sysctl("net.ipv4.tcp_keepalive_probes", 3);
  }
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
