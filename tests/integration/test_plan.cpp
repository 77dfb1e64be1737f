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
                                         "7m"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(Plan, JsonNamesEveryGoal) {
  const auto result = run_kaltune(with(nlb_goals, {"--json"}));
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 93);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_intvl"]["value"], 93);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_probes"]["value"], 3);
  EXPECT_EQ(json["tcp_retries2"]["value"], 9);
  // idle timeout, detection (idle), outage (idle), loss tolerance, detection and outage (busy)
  ASSERT_EQ(json["goals"].size(), 6u);
  EXPECT_EQ(json["goals"][0]["preset"], "aws-nlb");
  EXPECT_EQ(json["goals"][0]["margin_seconds"], 35.625); // 9/8 x (93 + 2 x 93) + 0.5 = 314.375
  EXPECT_EQ(json["goals"][4]["half"], "busy");
  EXPECT_EQ(json["set_command"], "kaltune set --time 93 --intvl 93 --probes 3 --retries2 9");
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
    {"name": "net.ipv4.tcp_keepalive_time", "value": "93"},
    {"name": "net.ipv4.tcp_keepalive_intvl", "value": "93"},
    {"name": "net.ipv4.tcp_keepalive_probes", "value": "3"},
    {"name": "net.ipv4.tcp_retries2", "value": "9"}])"));
  EXPECT_NE(result.out.find("Kubernetes >= 1.29"), std::string::npos);
  // tcp_retries2 is not in Kubernetes' safe set: the snippet says what the kubelet needs.
  EXPECT_NE(result.out.find("--allowed-unsafe-sysctls=net.ipv4.tcp_retries2"), std::string::npos);
}

TEST(Plan, SysctlFileReadsBackThroughShow) {
  const auto result = run_kaltune(with(nlb_goals, {"--format", "sysctl"}));
  ASSERT_EQ(result.status, 0) << result.err;
  TempRoot dir;
  const auto file = dir.write("90-keepalive.conf", result.out);
  const auto shown = run_kaltune({"--json", "show", "--source", file.string()});
  ASSERT_EQ(shown.status, 0) << shown.err;
  const auto json = nlohmann::json::parse(shown.out);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 93);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["origin"], file.string() + ":3");
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_intvl"]["value"], 93);
  EXPECT_NE(result.out.find("\nnet.ipv4.tcp_retries2 = 9\n"), std::string::npos) << result.out;
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_probes"]["value"], 3);
  EXPECT_EQ(json["diagnostics"].size(), 0u) << shown.out;
}

TEST(Plan, DockerFlags) {
  const auto result = run_kaltune(with(nlb_goals, {"--format", "docker"}));
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out,
            "--sysctl net.ipv4.tcp_keepalive_time=93 --sysctl "
            "net.ipv4.tcp_keepalive_intvl=93 --sysctl net.ipv4.tcp_keepalive_probes=3 --sysctl "
            "net.ipv4.tcp_retries2=9\n");
}

TEST(Plan, InfeasibleGoalsExitTwoWithTheNearestGoals) {
  const auto result = run_kaltune(
      {"plan", "--detect-within", "5", "--loss-tolerance", "4", "--survive-outage", "0"});
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "kaltune: plan: the goals cannot all be met: --detect-within 5 s is too short for a "
            "healthy connection to survive 4 lost probes: a dead peer is declared dead 7.25 s "
            "after the last packet at the soonest; nearest goals that can: --detect-within 8s, "
            "or --loss-tolerance 2\n");

  const auto tiny = run_kaltune({"plan", "--idle-timeout", "1"});
  EXPECT_EQ(tiny.status, 2);
  EXPECT_NE(tiny.err.find("the idle timeout of 1 s is too short to survive 2 lost probes and an "
                          "outage of 90 s"),
            std::string::npos)
      << tiny.err;
  EXPECT_NE(tiny.err.find("nearest goals that can: --idle-timeout 103s"), std::string::npos)
      << tiny.err;

  // tcp_retries2 8 gives a busy connection up within 6 minutes but survives 45 s of outage; 9
  // survives 90 s but may take 367.5 s.
  const auto busy = run_kaltune({"plan", "--idle-timeout", "aws-nlb", "--detect-within", "6m"});
  EXPECT_EQ(busy.status, 2);
  EXPECT_NE(busy.err.find("nearest goals that can: --detect-within 368s, or --survive-outage 45s"),
            std::string::npos)
      << busy.err;
}

TEST(Plan, ListPresetsHonoursTheFormat) {
  const auto table = run_kaltune({"plan", "--list-presets", "--format", "table"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_EQ(table.out.rfind("PRESET", 0), 0u) << table.out;
  const auto json = run_kaltune({"plan", "--list-presets", "--format", "json"});
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["presets"][0]["name"], "aws-nlb");
  const auto sysctl = run_kaltune({"plan", "--list-presets", "--format", "sysctl"});
  EXPECT_EQ(sysctl.status, 2);
  EXPECT_EQ(sysctl.out, "");
  EXPECT_EQ(sysctl.err, "kaltune: plan --list-presets: --format sysctl is not a format of the "
                        "preset list; accepted table, json\n");
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
  if (!std::filesystem::exists(sysctl)) {
    return;
  }
  // 0 is not "unset": conntrack forgets an idle flow at once. A warning, and no values.
  write_sysctl("net.netfilter.nf_conntrack_tcp_timeout_established", 0);
  const auto zero = run_kaltune({"plan", "--idle-timeout", "nf-conntrack"});
  write_sysctl("net.netfilter.nf_conntrack_tcp_timeout_established", 432000);
  EXPECT_EQ(zero.status, 2);
  EXPECT_NE(zero.err.find("warning: net.netfilter.nf_conntrack_tcp_timeout_established is 0 in "
                          "this namespace"),
            std::string::npos)
      << zero.err;
  EXPECT_NE(zero.err.find("the idle timeout of 0 s is too short"), std::string::npos) << zero.err;
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
  // The default outage of 90 s takes 3 probes 30 s apart: 4 probes, and t + 3 x 30 <= 310 (the
  // largest nominal time before 350 s with the timer's lateness).
  EXPECT_EQ(read_keepalive(), (std::vector<long>{220, 30, 4}));
  EXPECT_NE(result.out.find("net.ipv4.tcp_keepalive_time    220 s (3m40s)      derived\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("net.ipv4.tcp_keepalive_intvl   30 s               given (--intvl)\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("set net.ipv4.tcp_keepalive_time: 7200 \u2192 220"), std::string::npos)
      << result.out;
}

TEST_F(Goals, SetWithInfeasibleGoalsChangesNothing) {
  const auto result =
      run_kaltune({"set", "--idle-timeout", "aws-nlb", "--time", "340", "--intvl", "10"});
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("kaltune: set: the goals cannot all be met: the idle timeout of 350 s "
                            "is too short to survive 2 lost probes and an outage of 90 s"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("--time 220"), std::string::npos) << result.err;
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
  const auto result =
      run_kaltune({"--json", "verify", "--idle-timeout", "4", "--detect-within", "5",
                   "--loss-tolerance", "1", "--survive-outage", "0", "--timeout", "30"});
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
