// `kaltune verify` measures real dead-peer detection: in a private namespace of its own, or in
// place with --running (here: the test process's private namespace).

#include "harness.hpp"
#include "loopback.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

namespace kaltune::itest {
namespace {

class Verify : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    loopback_at_defaults();
  }

  // Runs verify with these arguments and checks a measurement within tolerance of `expected`.
  void expect_measured(const std::vector<std::string>& args, double expected) {
    std::vector<std::string> all{"--json", "verify"};
    all.insert(all.end(), args.begin(), args.end());
    const auto result = run_kaltune(all);
    ASSERT_EQ(result.status, 0) << result.out << result.err;
    const auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["expected_seconds"], expected);
    const double measured = json["measured_seconds"];
    const double tolerance = json["tolerance_seconds"];
    EXPECT_EQ(tolerance, 0.5 + expected / 8);
    EXPECT_GE(measured, expected - tolerance);
    EXPECT_LE(measured, expected + tolerance);
    EXPECT_EQ(json["within_tolerance"], true);
    EXPECT_EQ(result.err, ""); // not a terminal: no progress line
  }
};

TEST_F(Verify, OneOneOne) {
  expect_measured({"--time", "1", "--intvl", "1", "--probes", "1", "--timeout", "30"}, 2.0);
  // Measured in a namespace of its own: this one is untouched.
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

TEST_F(Verify, TwoOneTwo) {
  expect_measured({"--time", "2", "--intvl", "1", "--probes", "2", "--timeout", "1m"}, 4.0);
}

TEST_F(Verify, RunningMeasuresInPlace) {
  write_sysctl("net.ipv4.tcp_keepalive_time", 1);
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 1);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 2);
  expect_measured({"--running", "--timeout", "20s"}, 3.0);
}

TEST_F(Verify, TextReport) {
  const auto result =
      run_kaltune({"verify", "--time", "1", "--intvl", "1", "--probes", "1", "--timeout", "30"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("verify: time 1 s, intvl 1 s, probes 1, measured in a private network "
                            "namespace\n  expected    2.000 s"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("within the tolerance of \u00b10.750 s"), std::string::npos)
      << result.out;
}

TEST_F(Verify, RefusesUpFrontWhenTheCapIsShorter) {
  const auto result =
      run_kaltune({"verify", "--time", "100", "--intvl", "10", "--probes", "1", "--timeout", "10"});
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("expected detection time 110 s (1m50s) is longer than --timeout 10 s"),
            std::string::npos)
      << result.err;
}

// Timers never fire early: a cap equal to the expected time always passes first.
TEST_F(Verify, TimeoutCapsTheWaitAndFails) {
  const auto result =
      run_kaltune({"verify", "--time", "1", "--intvl", "1", "--probes", "1", "--timeout", "2"});
  EXPECT_EQ(result.status, 4) << result.out << result.err;
  EXPECT_NE(result.out.find("no ETIMEDOUT within --timeout 2 s"), std::string::npos) << result.out;
}

TEST_F(Verify, RejectsBadValuesAndCombinations) {
  EXPECT_EQ(run_kaltune({"verify", "--time", "0"}).status, 2);
  EXPECT_EQ(run_kaltune({"verify", "--running", "--time", "5"}).status, 2);
  EXPECT_EQ(run_kaltune({"verify", "--timeout", "soon"}).status, 2);
}

// --time/--intvl/--probes are read by the same code for verify and set, and a duration of at
// least 1 s by the same code for verify and check: the same value gets the same one-line error.
TEST_F(Verify, OptionErrorsSayTheSameAsSetAndCheck) {
  const auto before = read_keepalive();
  for (const std::vector<std::string>& value :
       {std::vector<std::string>{"--time", "0"}, {"--intvl", "1m1x"}, {"--probes", "200"}}) {
    std::vector<std::string> verify{"verify"};
    std::vector<std::string> set{"set"};
    verify.insert(verify.end(), value.begin(), value.end());
    set.insert(set.end(), value.begin(), value.end());
    const RunResult measured = run_kaltune(verify);
    const RunResult written = run_kaltune(set);
    EXPECT_EQ(measured.status, 2) << value[0];
    EXPECT_EQ(written.status, 2) << value[0];
    EXPECT_EQ(measured.out, "");
    EXPECT_NE(measured.err.find(value[0] + ") value '" + value[1] + "'"), std::string::npos)
        << measured.err;
    EXPECT_EQ(measured.err, written.err);
  }
  const std::vector<std::pair<std::vector<std::string>, std::string>> durations{
      {{"verify", "--timeout", "0"},
       "kaltune: invalid --timeout value '0': must be at least 1 s\n"},
      {{"check", "--max-detect", "0"},
       "kaltune: invalid --max-detect value '0': must be at least 1 s\n"},
      {{"check", "--idle-timeout", "0s"},
       "kaltune: invalid --idle-timeout value '0s': must be at least 1 s\n"},
  };
  for (const auto& [args, message] : durations) {
    const RunResult result = run_kaltune(args);
    EXPECT_EQ(result.status, 2) << args[1];
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, message);
  }
  EXPECT_EQ(read_keepalive(), before);
}

// The busy half measured: 1000 bytes in flight to a silent peer, tcp_retries2 written in the
// child's private namespace (this one keeps 15), the time held to the prediction from the
// connection's own RTO: the tail loss probe and one RTO, then the expiry at or after the bound
// (3.0 s for 3, 12.6 s for 5), within 0.5 s + 1/8 (or the expiry before, which the timer's
// lateness may carry over the bound).
class VerifyBusy : public Verify, public ::testing::WithParamInterface<int> {};

TEST_P(VerifyBusy, MeasuredAgainstThePredictionFromTheRto) {
  const int retries2 = GetParam();
  const auto result = run_kaltune(
      {"--json", "verify", "--busy", "--retries2", std::to_string(retries2), "--timeout", "1m"});
  ASSERT_EQ(result.status, 0) << result.out << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["half"], "busy");
  const auto& busy = json["busy"];
  EXPECT_EQ(busy["tcp_retries2"], retries2);
  // The settings are the measured namespace's: the kernel's defaults and the given tcp_retries2.
  const auto& settings = json["settings"];
  EXPECT_EQ(settings["net.ipv4.tcp_keepalive_time"]["value"], 7200);
  EXPECT_EQ(settings["net.ipv4.tcp_keepalive_time"]["origin"], "private namespace");
  EXPECT_EQ(settings["net.ipv4.tcp_retries2"]["value"], retries2);
  EXPECT_EQ(settings["net.ipv4.tcp_retries2"]["origin"], "command line");
  EXPECT_EQ(busy["bound_seconds"], retries2 == 3 ? 3.0 : 12.6);
  EXPECT_GT(busy["rto_seconds"].get<double>(), 0.2);
  const double measured = json["measured_seconds"];
  const double expected = json["expected_seconds"];
  const double tolerance = json["tolerance_seconds"];
  EXPECT_NEAR(tolerance, 0.5 + expected / 8, 0.002);
  const bool near_expected = measured >= expected - tolerance && measured <= expected + tolerance;
  const bool near_early = !busy["early_expected_seconds"].is_null() &&
                          std::abs(measured - busy["early_expected_seconds"].get<double>()) <=
                              busy["early_tolerance_seconds"].get<double>();
  EXPECT_TRUE(near_expected || near_early) << result.out;
  EXPECT_EQ(json["within_tolerance"], true);
  // Never before the bound after the first retransmission.
  EXPECT_GE(measured, busy["bound_seconds"].get<double>() + busy["rto_seconds"].get<double>());
  EXPECT_EQ(read_sysctl("net.ipv4.tcp_retries2"), 15); // written in the child's namespace only
  std::cout << "verify --busy --retries2 " << retries2 << ": measured " << measured
            << " s, expected " << expected << " s, first retransmission seen at "
            << busy["first_retransmission_seen_seconds"] << " s\n";
}

INSTANTIATE_TEST_SUITE_P(Retries2, VerifyBusy, ::testing::Values(3, 5));

TEST_F(Verify, BusyRefusesWhatCannotGoWithIt) {
  EXPECT_EQ(run_kaltune({"verify", "--retries2", "5"}).status, 2); // needs --busy
  EXPECT_EQ(run_kaltune({"verify", "--busy", "--time", "5"}).status, 2);
  EXPECT_EQ(run_kaltune({"verify", "--busy", "--running", "--retries2", "5"}).status, 2);
  EXPECT_EQ(run_kaltune({"verify", "--busy", "--retries2", "256"}).status, 2);
  const auto slow = run_kaltune({"verify", "--busy", "--retries2", "15", "--timeout", "5m"});
  EXPECT_EQ(slow.status, 2);
  EXPECT_NE(slow.err.find("gives up no sooner than 924 s"), std::string::npos) << slow.err;
}

TEST_F(Verify, WithoutRootUsesAUserNamespaceOrSaysWhy) {
  KALTUNE_REQUIRE_ROOT();
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const auto result = run_kaltune(
      {"verify", "--time", "1", "--intvl", "1", "--probes", "1", "--timeout", "30"}, nobody);
  if (result.status == 3) {
    EXPECT_NE(result.err.find("cannot create a private network namespace"), std::string::npos)
        << result.err;
  } else {
    EXPECT_EQ(result.status, 0) << result.out << result.err;
  }
}

} // namespace
} // namespace kaltune::itest
