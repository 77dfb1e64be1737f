// render/plan and render/plan_text: the words users read, from core/plan's data. A few tests pin
// the exact wording; the rest look for the numbers.

#include "render/plan.hpp"
#include "render/plan_text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kaltune {
namespace {

IdleTimeout nlb() {
  auto parsed = parse_idle_timeout("aws-nlb", {});
  EXPECT_TRUE(parsed);
  return *parsed;
}

Plan plan_for(std::optional<std::int64_t> detect) {
  PlanRequest request;
  request.goals.idle_timeouts = {nlb()};
  request.goals.detect_within = detect;
  return std::get<Plan>(derive(request));
}

// aws-nlb, with --detect-within 7m: tcp_retries2 is derived and goes everywhere the values go.
Plan nlb_plan() {
  return plan_for(420);
}

// enforce applies the keepalive keys only: its report of the goals leaves tcp_retries2 and the
// busy goals out and names the TCP_USER_TIMEOUT that meets them instead.
TEST(RenderPlan, OriginsForACommandWithoutTheSysctls) {
  const Plan plan = nlb_plan();
  const std::string set = render_plan_origins(plan, Style());
  EXPECT_NE(set.find("net.ipv4.tcp_retries2"), std::string::npos) << set;
  EXPECT_NE(set.find("(busy)"), std::string::npos) << set;
  const std::string enforce = render_plan_origins(plan, Style(), /*sysctls=*/false);
  EXPECT_EQ(enforce.find("net.ipv4.tcp_retries2"), std::string::npos) << enforce;
  EXPECT_EQ(enforce.find("(busy)"), std::string::npos) << enforce;
  ASSERT_TRUE(plan.user_timeout_ms);
  EXPECT_NE(enforce.find(fmt::format("Busy connections: enforce sets no tcp_retries2; "
                                     "--user-timeout {}s meets the goals for them",
                                     *plan.user_timeout_ms / 1000)),
            std::string::npos)
      << enforce;
}

TEST(RenderPlan, SysctlFile) {
  const std::string out = render_plan_sysctl(nlb_plan());
  EXPECT_EQ(out.substr(out.find("\nnet.ipv4") + 1), "net.ipv4.tcp_keepalive_time = 93\n"
                                                    "net.ipv4.tcp_keepalive_intvl = 93\n"
                                                    "net.ipv4.tcp_keepalive_probes = 3\n"
                                                    "net.ipv4.tcp_retries2 = 9\n");
  EXPECT_EQ(out.rfind("# Written by kaltune plan for: idle timeout 350 s (aws-nlb, AWS Network "
                      "Load Balancer (TCP listener)); detect within 420 s (idle); ",
                      0),
            0u)
      << out;
  // The namespace's own tcp_retries2, kept, is not written.
  EXPECT_EQ(render_plan_sysctl(plan_for(std::nullopt)).find("tcp_retries2"), std::string::npos);
}

TEST(RenderPlan, KubernetesSnippetQuotesValuesAndNamesTheUnsafeSysctl) {
  const std::string out = render_plan_kubernetes(nlb_plan());
  const std::string body = out.substr(out.find("securityContext:"));
  EXPECT_EQ(body, "securityContext:\n"
                  "  sysctls:\n"
                  "    - name: net.ipv4.tcp_keepalive_time\n"
                  "      value: \"93\"\n"
                  "    - name: net.ipv4.tcp_keepalive_intvl\n"
                  "      value: \"93\"\n"
                  "    - name: net.ipv4.tcp_keepalive_probes\n"
                  "      value: \"3\"\n"
                  "    - name: net.ipv4.tcp_retries2\n"
                  "      value: \"9\"\n");
  EXPECT_NE(out.find("Kubernetes >= 1.29"), std::string::npos);
  EXPECT_NE(out.find("kernel must be >= 4.5"), std::string::npos);
  EXPECT_NE(out.find("--allowed-unsafe-sysctls=net.ipv4.tcp_retries2"), std::string::npos) << out;
  EXPECT_EQ(render_plan_kubernetes(plan_for(std::nullopt)).find("tcp_retries2"), std::string::npos);
}

TEST(RenderPlan, DockerFlagsAndSetCommand) {
  EXPECT_EQ(render_plan_docker(nlb_plan()),
            "--sysctl net.ipv4.tcp_keepalive_time=93 --sysctl net.ipv4.tcp_keepalive_intvl=93 "
            "--sysctl net.ipv4.tcp_keepalive_probes=3 --sysctl net.ipv4.tcp_retries2=9\n");
  EXPECT_EQ(set_command(nlb_plan()), "kaltune set --time 93 --intvl 93 --probes 3 --retries2 9");
}

// The wording users read for the example, pinned.
TEST(RenderPlan, TableForAwsNlb) {
  const std::string out = render_plan(plan_for(std::nullopt), Style());
  EXPECT_NE(
      out.find("  net.ipv4.tcp_keepalive_time    104 s (1m44s)      derived\n"
               "  net.ipv4.tcp_keepalive_intvl   103 s (1m43s)      derived\n"
               "  net.ipv4.tcp_keepalive_probes  3                  derived\n"
               "  net.ipv4.tcp_retries2          15                 kept (this namespace's)\n"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("  met idle timeout 350 s (aws-nlb, AWS Network Load Balancer (TCP "
                     "listener)): binds time + 2 \u00d7 intvl, margin 0.75 s\n"
                     "      after 2 lost probes the next probe leaves at the latest 349.25 s "
                     "after the last packet (9/8 \u00d7 (104 + 2 \u00d7 103) s + 0.5 s), 0.75 s "
                     "before the flow is forgotten\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  met survive an outage of 90 s (default, idle): holds (probes \u2212 1) "
                     "\u00d7 intvl, margin 116 s\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  met survive 2 lost probes (default): binds probes, no spare probe\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Why these values: intvl 103 s is the longest the goals allow with time "
                     "\u2265 intvl"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Apply now: kaltune set --time 104 --intvl 103 --probes 3\n"),
            std::string::npos);
}

TEST(RenderPlan, TableWithDetectionShowsBothHalvesAndTheUserTimeout) {
  const Plan plan = nlb_plan();
  const std::string out = render_plan(plan, Style());
  EXPECT_NE(out.find("  met detect within 420 s (idle): "), std::string::npos) << out;
  EXPECT_NE(out.find("  met detect within 420 s (busy): binds tcp_retries2"), std::string::npos)
      << out;
  EXPECT_NE(out.find("tcp_retries2 9 is the largest whose worst case meets the detection"),
            std::string::npos);
  EXPECT_NE(out.find(fmt::format("TCP_USER_TIMEOUT of {} ms", *plan.user_timeout_ms)),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Apply now: kaltune set --time 93 --intvl 93 --probes 3 --retries2 9\n"),
            std::string::npos)
      << out;
}

TEST(RenderPlan, Json) {
  const nlohmann::ordered_json out = to_json(nlb_plan());
  EXPECT_EQ(out["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 93);
  EXPECT_EQ(out["settings"]["net.ipv4.tcp_keepalive_time"]["origin"], "derived");
  EXPECT_EQ(out["tcp_retries2"]["value"], 9);
  EXPECT_EQ(out["tcp_retries2"]["choice"], "within_detection");
  EXPECT_EQ(out["tcp_retries2"]["limit_seconds"], 204.6);
  EXPECT_EQ(out["detect_seconds"], 372);
  EXPECT_EQ(out["survive_outage_seconds"], 90);
  EXPECT_EQ(out["survive_outage_default"], true);
  EXPECT_EQ(out["goals"][0]["kind"], "idle_timeout");
  EXPECT_EQ(out["goals"][0]["half"], "idle");
  EXPECT_EQ(out["goals"][0]["preset"], "aws-nlb");
  EXPECT_EQ(out["goals"][0]["lost_probes"], 2);
  EXPECT_EQ(out["goals"][2]["kind"], "survive_outage");
  EXPECT_EQ(out["goals"][2]["survives_seconds"], 186);
  EXPECT_EQ(out["goals"][3]["kind"], "loss_tolerance");
  EXPECT_EQ(out["goals"][3]["probes"], 3);
  EXPECT_EQ(out["goals"][4]["half"], "busy");
  EXPECT_EQ(out["set_command"], "kaltune set --time 93 --intvl 93 --probes 3 --retries2 9");
}

TEST(RenderPlan, InfeasibleIsOneLine) {
  Infeasible infeasible;
  infeasible.conflict = Conflict::probes_below_tolerance;
  infeasible.probes = 2;
  infeasible.loss_tolerance = 3;
  infeasible.nearest = {{GoalChange{Adjust::loss_tolerance, 1, std::nullopt}},
                        {GoalChange{Adjust::probes, 4, std::nullopt}},
                        {GoalChange{Adjust::idle_timeout, 400, std::nullopt},
                         GoalChange{Adjust::detect_within, 500, std::nullopt}}};
  EXPECT_EQ(render_infeasible(infeasible),
            "the goals cannot all be met: --probes 2 survives only 1 lost probe, fewer than the "
            "loss tolerance of 3; nearest goals that can: --loss-tolerance 1, or --probes 4, or "
            "--idle-timeout 400s and --detect-within 500s");
}

TEST(RenderPlan, InfeasibleBusyHalfNamesBothNeighbours) {
  PlanRequest request;
  request.goals.idle_timeouts = {nlb()};
  request.goals.detect_within = 360;
  const std::string out = render_infeasible(std::get<Infeasible>(derive(request)));
  EXPECT_NE(out.find("with data in flight no tcp_retries2 meets --detect-within 360 s and an "
                     "outage of 90 s"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("tcp_retries2 8 gives a busy connection up by 360 s but survives an outage "
                     "of only"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("tcp_retries2 9 survives 90 s but may take until 367.489 s"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("nearest goals that can: --detect-within 368s, or --survive-outage 45s"),
            std::string::npos)
      << out;
}

TEST(RenderPlan, PresetList) {
  const std::string out = render_presets(PresetEnvironment{7200}, Style());
  EXPECT_NE(out.find("aws-alb"), std::string::npos);
  EXPECT_NE(out.find("IGNORED"), std::string::npos);
  EXPECT_NE(out.find("7200 s (2h)"), std::string::npos) << out;
  EXPECT_NE(out.find("here: running kernel (net.netfilter.nf_conntrack_tcp_timeout_established)"),
            std::string::npos)
      << out;
  const std::string zero = render_presets(PresetEnvironment{0}, Style());
  EXPECT_NE(zero.find("is 0: idle flows are forgotten at once"), std::string::npos) << zero;
  const nlohmann::ordered_json json = presets_json({});
  ASSERT_EQ(json["presets"].size(), presets().size());
  EXPECT_EQ(json["presets"][0]["name"], "aws-nlb");
  EXPECT_EQ(json["presets"][0]["origin"], "default");
  EXPECT_EQ(json["presets"][0]["configurable"]["max_seconds"], 6000);
  EXPECT_EQ(json["presets"][2]["configurable"], nullptr);
}

} // namespace
} // namespace kaltune
