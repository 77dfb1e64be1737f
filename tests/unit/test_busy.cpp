#include "core/busy.hpp"
#include "core/plan_solve.hpp"

#include "fake_procsys.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace kaltune {
namespace {

BusyLimit retries2(std::int64_t n, std::int64_t rto_max_ms = default_rto_max_ms) {
  BusyInputs inputs;
  inputs.retries2 = n;
  inputs.rto_max_ms = rto_max_ms;
  return retries2_limit(inputs);
}

// tcp_model_timeout as ip-sysctl.rst quotes it: 924.6 s for the default 15, and the numbers of
// the small values the busy measurements use.
TEST(Busy, ModelTimeoutTable) {
  const struct {
    std::int64_t retries2;
    std::int64_t rto_max_ms;
    std::int64_t ms;
  } cases[] = {
      {0, 120000, 200},
      {1, 120000, 600},
      {3, 120000, 3000},
      {5, 120000, 12600},
      {8, 120000, 102200},
      {9, 120000, 204600},
      {10, 120000, 324600},
      {15, 120000, 924600},
      {255, 120000, 29724600},
      // tcp_rto_max_ms (6.15+) at its minimum of 1 s: linear after ilog2(1000 / 200) = 2.
      {2, 1000, 1400},
      {3, 1000, 2400},
      {15, 1000, 14400},
      // 60 s: ilog2(300) = 8.
      {8, 60000, 102200},
      {9, 60000, 162200},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << c.retries2 << " " << c.rto_max_ms);
    EXPECT_EQ(model_timeout_ms(c.retries2, c.rto_max_ms), c.ms);
  }
}

// plan derives tcp_retries2 only within what set takes without --force.
TEST(Busy, PlanDerivesWithinTheKeysRange) {
  EXPECT_EQ(retries2_range.min, api_range(Key::retries2).min);
  EXPECT_EQ(retries2_range.max, api_range(Key::retries2).max);
}

// plan's memo of busy ranges holds each value the kernel stores apart: 0 (a namespace's own) and 1
// never share a slot.
TEST(Busy, PlansTableKeepsEveryValueApart) {
  plan_detail::BusyTable table{BusyInputs{}};
  const std::int64_t zero = table.range(0).limit.ms;
  const std::int64_t one = table.range(1).limit.ms;
  EXPECT_LT(zero, one);
  EXPECT_EQ(table.range(0).limit.ms, zero);
  EXPECT_EQ(table.range(255).limit.ms, model_timeout_ms(255, default_rto_max_ms));
}

TEST(Busy, ExpiriesDoubleUpToRtoMax) {
  EXPECT_DOUBLE_EQ(expiry_ms(204, 1, 120000), 408);
  EXPECT_DOUBLE_EQ(expiry_ms(204, 3, 120000), 2856); // "2.86 s after the first retransmission"
  EXPECT_DOUBLE_EQ(expiry_ms(204, 4, 120000), 6120);
  EXPECT_DOUBLE_EQ(expiry_ms(204, 5, 120000), 12648);
  // 204 x 2^10 is past 120 s: every later interval is 120 s.
  EXPECT_DOUBLE_EQ(expiry_ms(204, 9, 120000), 204.0 * 1022);
  EXPECT_DOUBLE_EQ(expiry_ms(204, 11, 120000), 204.0 * 1022 + 2 * 120000);
}

// Measured on loopback (RTO 204 ms) with a silenced peer and 1000 bytes in flight: the first RTO
// retransmission 0.41 s after the write (the tail loss probe went at 0.21 s), ETIMEDOUT at
// 6.69 s for tcp_retries2 = 3 and at 13.52 s for 5.
TEST(Busy, TimelineOfTheMeasuredLoopbackConnections) {
  const BusyTimeline three = busy_timeline(retries2(3), 204);
  EXPECT_EQ(three.retransmissions, 4);
  EXPECT_EQ(three.last_retransmission_ms, 2856); // just short of the 3.0 s bound
  EXPECT_EQ(three.give_up_ms, 6120);
  // 2.856 s may be as late as 3.713 s: past the bound, so the kernel may give up there.
  EXPECT_EQ(three.early_give_up_ms, std::optional<std::int64_t>(2856));

  const BusyTimeline five = busy_timeline(retries2(5), 204);
  EXPECT_EQ(five.retransmissions, 5);
  EXPECT_EQ(five.last_retransmission_ms, 6120);
  EXPECT_EQ(five.give_up_ms, 12648);
  EXPECT_FALSE(five.early_give_up_ms);

  const std::int64_t first = first_retransmission_ms(204, 0.03, 200);
  EXPECT_EQ(first, 405);
  EXPECT_NEAR(static_cast<double>(first + three.give_up_ms), 6693, 500 + 6693 / 8);
  EXPECT_NEAR(static_cast<double>(first + five.give_up_ms), 13519, 500 + 13519 / 8);
}

// An RTO of exactly TCP_RTO_MIN lands every expiry 200 ms short of the bound: one expiry more.
TEST(Busy, RtoAtTheModelsBaseTakesOneExpiryMore) {
  const BusyTimeline at_base = busy_timeline(retries2(15), 200);
  EXPECT_EQ(at_base.retransmissions, 16);
  EXPECT_EQ(at_base.last_retransmission_ms, 924400);
  EXPECT_EQ(at_base.give_up_ms, 1044400);
  const BusyTimeline above = busy_timeline(retries2(15), 204);
  EXPECT_EQ(above.retransmissions, 15);
  EXPECT_EQ(above.give_up_ms, 204 * 1022 + 6 * 120000);
}

TEST(Busy, UserTimeoutClampsTheLastExpiry) {
  // Measured: TCP_USER_TIMEOUT 1000 ms, ETIMEDOUT 1.446 s after the write (first RTO
  // retransmission at 0.414 s); 3000 ms, 3.419 s.
  const BusyTimeline one = busy_timeline(user_timeout_limit(1000), 204);
  EXPECT_EQ(one.give_up_ms, 1000);
  EXPECT_EQ(one.retransmissions, 2); // at 0 and 0.408 s; the next expiry would be 1.224 s
  EXPECT_EQ(one.last_retransmission_ms, 408);
  EXPECT_FALSE(one.early_give_up_ms);
  const BusyTimeline three = busy_timeline(user_timeout_limit(3000), 204);
  EXPECT_EQ(three.give_up_ms, 3000);
  EXPECT_EQ(three.last_retransmission_ms, 2856);
}

// The range against a brute force over RTOs 0.1 ms apart: the exact bounds lie at the edges of
// what the grid sees, never inside it.
TEST(Busy, RangeAgainstBruteForce) {
  for (std::int64_t n : {1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15}) {
    SCOPED_TRACE(n);
    const BusyLimit limit = retries2(n);
    const BusyRange range = busy_range(limit, BusyInputs{n, default_rto_max_ms, 200});
    double worst = 0;
    double survives = 1e18;
    for (double r = 200; r <= 1000; r += 0.1) {
      std::int64_t k = 1;
      while (expiry_ms(r, k, default_rto_max_ms) < static_cast<double>(limit.ms)) {
        ++k;
      }
      worst = std::max(worst, 2 * r + expiry_ms(r, k, default_rto_max_ms));
      std::int64_t e = 1;
      while (expiry_ms(r, e, default_rto_max_ms) * 9 / 8 + 500 < static_cast<double>(limit.ms)) {
        ++e;
      }
      survives = std::min(survives, r + (e > 1 ? expiry_ms(r, e - 1, default_rto_max_ms) : 0));
    }
    EXPECT_GE(static_cast<double>(range.worst_ms), worst - 1);
    EXPECT_LE(static_cast<double>(range.worst_ms), worst + 300);
    EXPECT_LE(static_cast<double>(range.survives_ms), survives + 1);
    EXPECT_GE(static_cast<double>(range.survives_ms), survives - 300);
    EXPECT_EQ(range.earliest_ms, 200 + limit.ms);
    EXPECT_EQ(range.latest_ms, (range.worst_ms * 9 + 7) / 8 + 500);
  }
}

TEST(Busy, RangeOfTheDefault) {
  const BusyRange range = busy_range(retries2(15), BusyInputs{});
  EXPECT_EQ(range.earliest_ms, 924800);
  // About one rto_max past the bound (and two RTOs before the first retransmission).
  EXPECT_GT(range.worst_ms, 924600 + 120000);
  EXPECT_LT(range.worst_ms, 924600 + 120000 + 3000);
  // The last retransmission comes about one rto_max before the bound, or one more sooner where
  // the timer's lateness (up to 1/8) carries the expiry before it over the bound.
  EXPECT_GT(range.survives_ms, 924600 - 2 * 120000);
  EXPECT_LT(range.survives_ms, 924600 - 120000);
  EXPECT_EQ(range.survives_ms, 701638);
}

TEST(Busy, UserTimeoutRange) {
  const BusyRange range = busy_range(user_timeout_limit(60000), BusyInputs{});
  EXPECT_EQ(range.worst_ms, 62000); // two RTOs of 1 s, then exactly the user timeout
  EXPECT_EQ(range.earliest_ms, 60200);
  // The last retransmission before 60 s: about half of it while the RTO still doubles.
  EXPECT_GT(range.survives_ms, 25000);
  EXPECT_LT(range.survives_ms, 60000);
}

TEST(Busy, LeftOfARetransmittingConnection) {
  // Loopback, tcp_retries2 = 5: after the third retransmission the timer runs 1632 ms; the
  // next expiry is 2856 ms after the first retransmission, the give-up at 12648 ms.
  const BusyInputs inputs{5, default_rto_max_ms, 200};
  const BusyLeft left = busy_left(BusyState{3, 3, 1632000, 1000}, retries2_limit(inputs), inputs);
  EXPECT_TRUE(left.exact);
  EXPECT_EQ(left.left_ms, 1000 + 12648 - 2856);
  // The same under a TCP_USER_TIMEOUT of 2 s: the timer fires at the clamp.
  const BusyLeft clamped =
      busy_left(BusyState{3, 3, 1632000, 300}, user_timeout_limit(2000), inputs);
  EXPECT_EQ(clamped.left_ms, 300);
  // At rto_max the RTO before backoff is not known: the latest is given.
  const BusyLeft capped =
      busy_left(BusyState{12, 12, 120000000, 5000}, retries2_limit(BusyInputs{}), BusyInputs{});
  EXPECT_FALSE(capped.exact);
  EXPECT_GE(capped.left_ms, 5000);
  // Nothing retransmitted yet: not exact (a tail loss probe may come first).
  const BusyLeft fresh = busy_left(BusyState{0, 0, 204000, 100}, retries2_limit(inputs), inputs);
  EXPECT_FALSE(fresh.exact);
  EXPECT_EQ(fresh.left_ms, 100 + 204 + 12648);
}

TEST(Busy, ReadsTheInputsAndKeepsDefaultsOfAnOlderKernel) {
  test::FakeProcSys proc;
  proc.values["net.ipv4.tcp_retries2"] = "8\n";
  BusyInputs inputs = read_busy_inputs(proc);
  EXPECT_EQ(inputs.retries2, 8);
  EXPECT_EQ(inputs.rto_max_ms, 120000);
  EXPECT_EQ(inputs.rto_min_ms, 200);
  proc.values["net.ipv4.tcp_rto_max_ms"] = "60000\n";
  proc.values["net.ipv4.tcp_rto_min_us"] = "5000\n";
  inputs = read_busy_inputs(proc);
  EXPECT_EQ(inputs.rto_max_ms, 60000);
  EXPECT_EQ(inputs.rto_min_ms, 5);
}

} // namespace
} // namespace kaltune
