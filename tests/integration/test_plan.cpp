// `kaltune plan`: goals in, values out, in every format, each read back by a real consumer:
// the Kubernetes snippet by a YAML parser (python3-yaml), the sysctl.d file by kaltune's own
// `show --source FILE`, the JSON by nlohmann.

#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace kaltune::itest {
namespace {

const std::vector<std::string> nlb_goals{"plan", "--idle-timeout", "aws-nlb", "--detect-within",
                                         "6m"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(Plan, JsonNamesEveryGoal) {
  const auto result = run_kaltune(with(nlb_goals, {"--json"}));
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 308);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_intvl"]["value"], 1);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_probes"]["value"], 3);
  ASSERT_EQ(json["goals"].size(), 3u);
  EXPECT_EQ(json["goals"][0]["preset"], "aws-nlb");
  EXPECT_EQ(json["goals"][0]["margin_seconds"], 0.75);
  EXPECT_EQ(json["set_command"], "kaltune set --time 308 --intvl 1 --probes 3");
  EXPECT_EQ(result.err, "");
}

TEST(Plan, KubernetesSnippetIsYamlWithStringValues) {
  const auto result = run_kaltune(with(nlb_goals, {"--format", "kubernetes"}));
  ASSERT_EQ(result.status, 0) << result.err;
  RunOptions options;
  options.stdin_text = result.out;
  const auto parsed = run({"python3", "-c",
                           "import json, sys, yaml\n"
                           "doc = yaml.safe_load(sys.stdin)\n"
                           "print(json.dumps(doc['securityContext']['sysctls']))\n"},
                          options);
  ASSERT_EQ(parsed.status, 0) << parsed.err;
  const auto sysctls = nlohmann::json::parse(parsed.out);
  EXPECT_EQ(sysctls, nlohmann::json::parse(R"([
    {"name": "net.ipv4.tcp_keepalive_time", "value": "308"},
    {"name": "net.ipv4.tcp_keepalive_intvl", "value": "1"},
    {"name": "net.ipv4.tcp_keepalive_probes", "value": "3"}])"));
  EXPECT_NE(result.out.find("Kubernetes >= 1.29"), std::string::npos);
}

TEST(Plan, SysctlFileReadsBackThroughShow) {
  const auto result = run_kaltune(with(nlb_goals, {"--format", "sysctl"}));
  ASSERT_EQ(result.status, 0) << result.err;
  TempRoot dir;
  const auto file = dir.write("90-keepalive.conf", result.out);
  const auto shown = run_kaltune({"--json", "show", "--source", file.string()});
  ASSERT_EQ(shown.status, 0) << shown.err;
  const auto json = nlohmann::json::parse(shown.out);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 308);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["origin"], file.string() + ":3");
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_intvl"]["value"], 1);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_probes"]["value"], 3);
  EXPECT_EQ(json["diagnostics"].size(), 0u) << shown.out;
}

TEST(Plan, DockerFlags) {
  const auto result = run_kaltune(with(nlb_goals, {"--format", "docker"}));
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out,
            "--sysctl net.ipv4.tcp_keepalive_time=308 --sysctl "
            "net.ipv4.tcp_keepalive_intvl=1 --sysctl net.ipv4.tcp_keepalive_probes=3\n");
}

TEST(Plan, InfeasibleGoalsExitTwoWithTheNearestGoals) {
  const auto result = run_kaltune({"plan", "--detect-within", "5", "--loss-tolerance", "4"});
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "kaltune: plan: the goals cannot all be met: --detect-within 5 s is too short for a "
            "loss tolerance of 4: with time 1 s, intvl 1 s and 5 probes a dead peer may be "
            "declared dead only 7.25 s after the last packet (9/8 \u00d7 6 s + 0.5 s); nearest "
            "goals that can: --detect-within 8s, or --loss-tolerance 2\n");

  const auto tiny = run_kaltune({"plan", "--idle-timeout", "1"});
  EXPECT_EQ(tiny.status, 2);
  EXPECT_NE(tiny.err.find("nearest goals that can: --idle-timeout 4s"), std::string::npos)
      << tiny.err;
}

TEST(Plan, MiddleboxThatIgnoresKeepaliveIsNamed) {
  const auto result =
      run_kaltune({"plan", "--idle-timeout", "aws-nlb", "--idle-timeout", "aws-alb"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("keepalive probes do not reset the idle timer of aws-alb"),
            std::string::npos)
      << result.err;
}

TEST(Plan, BadValuesAreUsageErrors) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"plan", "--idle-timeout", "aws-nlb=30s"},
           {"plan", "--idle-timeout", "aws-nat-gateway=400s"},
           {"plan", "--idle-timeout", "no-such-box"},
           {"plan", "--detect-within", "0"},
           {"plan", "--idle-timeout", "350", "--loss-tolerance", "127"},
           {"plan"},
           {"plan", "--list-presets", "--idle-timeout", "350"},
           {"plan", "--idle-timeout", "350", "--format", "yaml"}}) {
    const auto result = run_kaltune(args);
    EXPECT_EQ(result.status, 2) << args.back() << ": " << result.err;
    EXPECT_EQ(result.out, "");
  }
  EXPECT_EQ(run_kaltune({"plan", "--idle-timeout", "aws-nlb=30s"}).err,
            "kaltune: invalid --idle-timeout value 'aws-nlb=30s': aws-nlb can be set to 60-6000 "
            "s, not 30 s\n");
}

// nf-conntrack takes the running kernel's established timeout in this namespace when the module
// is there; without it, the kernel's default of 5 days.
TEST(Plan, ConntrackPresetReadsTheNamespace) {
  KALTUNE_REQUIRE_NETNS();
  const std::filesystem::path sysctl =
      "/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established";
  double expected = 432000;
  if (std::filesystem::exists(sysctl)) {
    write_sysctl("net.netfilter.nf_conntrack_tcp_timeout_established", 600);
    expected = 600;
  }
  const auto result = run_kaltune({"--json", "plan", "--idle-timeout", "nf-conntrack"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["goals"][0]["limit_seconds"], expected);
  const auto listed = run_kaltune({"--json", "plan", "--list-presets"});
  ASSERT_EQ(listed.status, 0) << listed.err;
  bool found = false;
  const auto presets = nlohmann::json::parse(listed.out);
  for (const auto& preset : presets["presets"]) {
    if (preset["name"] == "nf-conntrack") {
      found = true;
      EXPECT_EQ(preset["idle_timeout_seconds"], expected);
    }
  }
  EXPECT_TRUE(found);
}

} // namespace
} // namespace kaltune::itest

namespace kaltune::itest {
namespace {

class Goals : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
    write_sysctl("net.ipv4.tcp_keepalive_intvl", 75);
    write_sysctl("net.ipv4.tcp_keepalive_probes", 9);
  }
};

TEST_F(Goals, SetDerivesAndExplicitValuesWin) {
  const auto result = run_kaltune({"set", "--idle-timeout", "aws-nlb", "--intvl", "30"});
  ASSERT_EQ(result.status, 0) << result.err;
  // t + 2 x 30 <= 310 (the largest nominal time before 350 s with the timer's lateness)
  EXPECT_EQ(read_keepalive(), (std::vector<long>{250, 30, 3}));
  EXPECT_NE(result.out.find("net.ipv4.tcp_keepalive_time    250 s (4m10s)      derived\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("net.ipv4.tcp_keepalive_intvl   30 s               given (--intvl)\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("set net.ipv4.tcp_keepalive_time: 7200 \u2192 250"), std::string::npos)
      << result.out;
}

TEST_F(Goals, SetWithInfeasibleGoalsChangesNothing) {
  const auto result =
      run_kaltune({"set", "--idle-timeout", "aws-nlb", "--time", "340", "--intvl", "10"});
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("kaltune: set: the goals cannot all be met: the idle timeout of 350 s "
                            "is too short to survive 2 lost probes"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("--time 290"), std::string::npos) << result.err;
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

TEST_F(Goals, CheckHoldsTheRunningValuesToAPreset) {
  write_sysctl("net.ipv4.tcp_keepalive_time", 310);
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 10);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 3);
  EXPECT_EQ(run_kaltune({"check", "--preset", "aws-nlb"}).status, 0);
  write_sysctl("net.ipv4.tcp_keepalive_time", 340);
  const auto late = run_kaltune({"check", "--idle-timeout", "aws-nat-gateway"});
  EXPECT_EQ(late.status, 1);
  EXPECT_EQ(late.out.rfind("CRITICAL: the first probe may go out as late as 383 s", 0), 0u)
      << late.out;
  const auto alb = run_kaltune({"check", "--preset", "aws-alb", "--nagios"});
  EXPECT_EQ(alb.status, 1); // WARNING
  EXPECT_NE(alb.out.find("aws-alb (AWS Application Load Balancer, 60 s) ignores keepalive"),
            std::string::npos)
      << alb.out;
}

// The derived values measured on the real kernel: a 4 s idle timeout surviving one lost probe
// gives 2/1/2, so a silent peer is declared dead after 4 s (within 5 s at the latest).
TEST_F(Goals, VerifyMeasuresTheDerivedValues) {
  const auto result = run_kaltune({"--json", "verify", "--idle-timeout", "4", "--detect-within",
                                   "5", "--loss-tolerance", "1", "--timeout", "30"});
  ASSERT_EQ(result.status, 0) << result.out << result.err;
  const auto json = nlohmann::json::parse(result.out);
  // A bare number, or the {"value", …} object `show --json` prints for every settings object.
  auto value = [&json](const char* key) {
    const auto& setting = json["settings"][key];
    return setting.is_object() ? setting["value"] : setting;
  };
  EXPECT_EQ(value("net.ipv4.tcp_keepalive_time"), 2);
  EXPECT_EQ(value("net.ipv4.tcp_keepalive_intvl"), 1);
  EXPECT_EQ(value("net.ipv4.tcp_keepalive_probes"), 2);
  EXPECT_EQ(json["expected_seconds"], 4.0);
  const double measured = json["measured_seconds"];
  EXPECT_GE(measured, 4.0);
  EXPECT_LE(measured, 5.0); // the detection goal, with the timer's lateness
  EXPECT_EQ(json["within_tolerance"], true);
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9})); // measured elsewhere
  EXPECT_EQ(run_kaltune({"verify", "--running", "--idle-timeout", "4"}).status, 2);
}

} // namespace
} // namespace kaltune::itest
