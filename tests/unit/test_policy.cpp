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
  const auto findings = evaluate(kernel_defaults, Policy{7874, std::nullopt, std::nullopt});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::critical);
  EXPECT_EQ(findings[0].message, "a dead peer is detected after 7875 s (time + intvl x probes = "
                                 "7200 + 75 x 9), more than the maximum of 7874 s");
  EXPECT_TRUE(evaluate(kernel_defaults, Policy{7875, std::nullopt, std::nullopt}).empty());
}

TEST(Policy, FirstProbeMustPrecedeTheIdleTimeout) {
  // 9/8 x 310 s + 0.5 s = 349.25 s: before 350 s even when the timer fires as late as it may.
  EXPECT_TRUE(evaluate(Settings{310, 10, 3}, Policy{std::nullopt, 350}).empty());
  const auto findings = evaluate(Settings{311, 10, 3}, Policy{std::nullopt, 350});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::critical);
  EXPECT_EQ(findings[0].message,
            "the first probe may go out as late as 350.375 s after the last packet (9/8 x 311 s "
            "+ 0.5 s), not before the 350 s idle timeout: the middlebox may drop the flow first");
  // 349 s looks safe against 350 s, but the timer wheel may send the probe up to 43.6 s late.
  EXPECT_EQ(worst(evaluate(Settings{349, 10, 3}, Policy{std::nullopt, 350})), Severity::critical);
}

TEST(Policy, MiddleboxThatIgnoresKeepaliveIsAWarning) {
  Policy policy;
  policy.keepalive_ignored = {"aws-alb (AWS Application Load Balancer, 60 s)"};
  const auto findings = evaluate(Settings{30, 10, 3}, policy);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::warning);
  EXPECT_EQ(findings[0].message.rfind("aws-alb (AWS Application Load Balancer, 60 s) ignores "
                                      "keepalive probes",
                                      0),
            0u);
}

TEST(Policy, ValuesOutsideTheSocketApiWarn) {
  const auto findings = evaluate(Settings{600, 30, 0}, {});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(worst(findings), Severity::warning);
}

// --max-detect holds both halves: the kernel's default tcp_retries2 of 15 may take until
// 1177.5 s with data in flight (924.6 s after the first retransmission, then up to one backoff,
// for RTOs up to 1 s, with the timer's lateness).
TEST(Policy, MaxDetectHoldsTheBusyHalfToo) {
  const Settings fast{60, 10, 3};
  EXPECT_TRUE(evaluate(fast, Policy{1178, std::nullopt}, BusyInputs{}).empty());
  const auto findings = evaluate(fast, Policy{1000, std::nullopt}, BusyInputs{});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::busy_detect);
  EXPECT_EQ(findings[0].severity, Severity::critical);
  // Without the busy inputs only the idle half is judged.
  EXPECT_TRUE(evaluate(fast, Policy{1000, std::nullopt}).empty());
  BusyInputs short_retries;
  short_retries.retries2 = 5;
  EXPECT_TRUE(evaluate(fast, Policy{100, std::nullopt}, short_retries).empty());
  const auto both = evaluate(kernel_defaults, Policy{100, std::nullopt}, BusyInputs{});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].kind, FindingKind::idle_detect);
  EXPECT_EQ(both[1].kind, FindingKind::busy_detect);
}

TEST(Policy, OutageFindings) {
  Policy policy;
  policy.survive_outage = 90;
  // 3 probes 30 s apart span 60 s: a 90 s outage ends an idle connection.
  auto findings = evaluate(Settings{200, 30, 3}, policy, BusyInputs{});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::idle_outage);
  EXPECT_TRUE(evaluate(Settings{200, 30, 4}, policy, BusyInputs{}).empty());
  // tcp_retries2 5 retransmits for only a few seconds.
  BusyInputs five;
  five.retries2 = 5;
  findings = evaluate(Settings{200, 30, 4}, policy, five);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::busy_outage);
  // After the outage (3 probes 30 s apart lost) probe 3 leaves at 9/8 x 290 + 0.5 = 326.75 s.
  policy.idle_timeout = 326;
  findings = evaluate(Settings{200, 30, 4}, policy, BusyInputs{});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::outage_idle_timeout);
  policy.idle_timeout = 327;
  EXPECT_TRUE(evaluate(Settings{200, 30, 4}, policy, BusyInputs{}).empty());
}

TEST(RenderCheck, ExactText) {
  CheckReport ok{Settings{300, 10, 3}, {}, Policy{600, 350}};
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
