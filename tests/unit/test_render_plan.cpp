#include "render/plan.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kaltune {
namespace {

Plan nlb_plan() {
  auto nlb = parse_idle_timeout("aws-nlb", {});
  EXPECT_TRUE(nlb);
  return std::get<Plan>(derive(Goals{{*nlb}, 360, std::nullopt}));
}

TEST(RenderPlan, SysctlFile) {
  EXPECT_EQ(render_plan_sysctl(nlb_plan()),
            "# Written by kaltune plan for: idle timeout 350 s (aws-nlb, AWS Network Load "
            "Balancer (TCP listener)); detect within 360 s; survive 2 lost probes (default).\n"
            "# A dead peer is detected after 311 s (time + intvl x probes).\n"
            "net.ipv4.tcp_keepalive_time = 308\n"
            "net.ipv4.tcp_keepalive_intvl = 1\n"
            "net.ipv4.tcp_keepalive_probes = 3\n");
}

TEST(RenderPlan, KubernetesSnippetQuotesValues) {
  const std::string out = render_plan_kubernetes(nlb_plan());
  const std::string body = out.substr(out.find("securityContext:"));
  EXPECT_EQ(body, "securityContext:\n"
                  "  sysctls:\n"
                  "    - name: net.ipv4.tcp_keepalive_time\n"
                  "      value: \"308\"\n"
                  "    - name: net.ipv4.tcp_keepalive_intvl\n"
                  "      value: \"1\"\n"
                  "    - name: net.ipv4.tcp_keepalive_probes\n"
                  "      value: \"3\"\n");
  EXPECT_NE(out.find("Kubernetes >= 1.29"), std::string::npos);
  EXPECT_NE(out.find("kernel must be >= 4.5"), std::string::npos);
}

TEST(RenderPlan, DockerFlagsAndSetCommand) {
  EXPECT_EQ(render_plan_docker(nlb_plan()),
            "--sysctl net.ipv4.tcp_keepalive_time=308 --sysctl net.ipv4.tcp_keepalive_intvl=1 "
            "--sysctl net.ipv4.tcp_keepalive_probes=3\n");
  EXPECT_EQ(set_command(nlb_plan()), "kaltune set --time 308 --intvl 1 --probes 3");
}

TEST(RenderPlan, TableNamesEveryGoalWithItsMargin) {
  const std::string out = render_plan(nlb_plan(), Style());
  EXPECT_NE(out.find("  net.ipv4.tcp_keepalive_time    308 s (5m8s)       derived\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  met idle timeout 350 s (aws-nlb, AWS Network Load Balancer (TCP "
                     "listener)): binds time + 2 \u00d7 intvl, margin 0.75 s\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  met detect within 360 s: holds time + probes \u00d7 intvl, margin "
                     "9.625 s\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  met survive 2 lost probes (default): holds probes, no spare probe\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Apply now: kaltune set --time 308 --intvl 1 --probes 3\n"),
            std::string::npos);
}

TEST(RenderPlan, Json) {
  const nlohmann::ordered_json out = to_json(nlb_plan());
  EXPECT_EQ(out["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 308);
  EXPECT_EQ(out["settings"]["net.ipv4.tcp_keepalive_time"]["origin"], "derived");
  EXPECT_EQ(out["detect_seconds"], 311);
  EXPECT_EQ(out["detect_latest_seconds"], 350.375);
  EXPECT_EQ(out["goals"][0]["kind"], "idle_timeout");
  EXPECT_EQ(out["goals"][0]["preset"], "aws-nlb");
  EXPECT_EQ(out["goals"][0]["margin_seconds"], 0.75);
  EXPECT_EQ(out["goals"][0]["binding"], true);
  EXPECT_EQ(out["goals"][2]["kind"], "loss_tolerance");
  EXPECT_EQ(out["goals"][2]["probes"], 3);
  EXPECT_EQ(out["set_command"], "kaltune set --time 308 --intvl 1 --probes 3");
}

TEST(RenderPlan, InfeasibleIsOneLine) {
  const Infeasible infeasible{"why", {"--detect-within 8s", "--loss-tolerance 2"}};
  EXPECT_EQ(render_infeasible(infeasible), "the goals cannot all be met: why; nearest "
                                           "goals that can: --detect-within 8s, or "
                                           "--loss-tolerance 2");
}

TEST(RenderPlan, PresetList) {
  const std::string out = render_presets(PresetEnvironment{7200}, Style());
  EXPECT_NE(out.find("aws-alb"), std::string::npos);
  EXPECT_NE(out.find("IGNORED"), std::string::npos);
  EXPECT_NE(out.find("7200 s (2h)"), std::string::npos) << out;
  const nlohmann::ordered_json json = presets_json({});
  ASSERT_EQ(json["presets"].size(), presets().size());
  EXPECT_EQ(json["presets"][0]["name"], "aws-nlb");
  EXPECT_EQ(json["presets"][0]["configurable"]["max_seconds"], 6000);
  EXPECT_EQ(json["presets"][2]["configurable"], nullptr);
}

} // namespace
} // namespace kaltune
