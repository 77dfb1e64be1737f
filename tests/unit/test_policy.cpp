#include "core/policy.hpp"
#include "render/policy.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kaltune {
namespace {

TEST(Policy, DefaultsMeetAnEmptyPolicy) {
  EXPECT_TRUE(evaluate(kernel_defaults, {}).empty());
  EXPECT_EQ(worst({}), Severity::ok);
}

TEST(Policy, DetectionAboveMaximumIsCritical) {
  const auto findings = evaluate(kernel_defaults, Policy{7874, std::nullopt});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::critical);
  EXPECT_EQ(findings[0].message, "a dead peer is detected after 7875 s (time + intvl x probes = "
                                 "7200 + 75 x 9), more than the maximum of 7874 s");
  EXPECT_TRUE(evaluate(kernel_defaults, Policy{7875, std::nullopt}).empty());
}

TEST(Policy, FirstProbeMustPrecedeTheIdleTimeout) {
  EXPECT_TRUE(evaluate(Settings{{349, 10, 3}}, Policy{std::nullopt, 350}).empty());
  const auto findings = evaluate(Settings{{350, 10, 3}}, Policy{std::nullopt, 350});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::critical);
}

TEST(Policy, ValuesOutsideTheSocketApiWarn) {
  const auto findings = evaluate(Settings{{600, 30, 0}}, {});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(worst(findings), Severity::warning);
}

TEST(RenderCheck, ExactText) {
  CheckReport ok{Settings{{300, 10, 3}}, {}, Policy{600, 350}};
  EXPECT_EQ(render_check(ok, Style()), "OK: dead peer detected after 330 s (5m30s)\n");
  EXPECT_EQ(render_nagios(ok), "KALTUNE OK - dead peer detected after 330 s (5m30s) | "
                               "detect=330s;;600 time=300s intvl=10s probes=3\n");
  CheckReport bad{kernel_defaults, evaluate(kernel_defaults, Policy{600, std::nullopt}),
                  Policy{600, std::nullopt}};
  EXPECT_EQ(render_check(bad, Style()),
            "CRITICAL: a dead peer is detected after 7875 s (time + intvl x probes = 7200 + 75 x "
            "9), more than the maximum of 600 s\n");
  EXPECT_EQ(to_json(bad)["status"], "critical");
}

} // namespace
} // namespace kaltune
