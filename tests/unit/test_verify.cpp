// core/verify: the verdict behind verify's exit status.

#include "core/verify.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

TEST(Verify, ToleranceIsHalfASecondPlusAnEighth) {
  EXPECT_EQ(verify_tolerance_ms(0), 500);
  EXPECT_EQ(verify_tolerance_ms(4000), 1000);
  EXPECT_EQ(verify_tolerance_ms(7875000), 500 + 984375);
}

TEST(Verify, WithinIncludesTheEdgesAndNeedsAMeasurement) {
  VerifyReport report;
  report.expected_ms = 4000;
  report.tolerance_ms = verify_tolerance_ms(4000);
  EXPECT_FALSE(report.within()); // no ETIMEDOUT within the cap
  for (const std::int64_t measured : {3000, 4000, 5000}) {
    report.measured_ms = measured;
    EXPECT_TRUE(report.within()) << measured;
  }
  for (const std::int64_t measured : {2999, 5001}) {
    report.measured_ms = measured;
    EXPECT_FALSE(report.within()) << measured;
  }
}

// The busy prediction from the loopback connection's RTO of 204 ms: the tail loss probe and one
// RTO, then 2856 ms after the first retransmission the fourth expiry (just short of the 3.0 s
// bound of tcp_retries2 = 3), and the give-up at the fifth, 6120 ms after it. The timer's lateness
// may carry the fourth over the bound: the expiry before is the one other outcome.
TEST(Verify, BusyPredictionFromTheConnectionsRto) {
  VerifyReport report;
  BusyInputs three;
  three.retries2 = 3;
  predict_busy(report, three, 204000, 30);
  ASSERT_TRUE(report.busy);
  EXPECT_EQ(report.busy->bound_ms, 3000);
  EXPECT_EQ(report.busy->first_ms, 405);
  EXPECT_EQ(report.expected_ms, 405 + 6120);
  EXPECT_EQ(report.tolerance_ms, verify_tolerance_ms(6525));
  EXPECT_EQ(report.busy->early_ms, std::optional<std::int64_t>(405 + 2856));
  report.measured_ms = 6693; // measured on loopback
  EXPECT_TRUE(report.within());
  report.measured_ms = 3400; // the expiry before
  EXPECT_TRUE(report.within());
  report.measured_ms = 4800; // neither
  EXPECT_FALSE(report.within());

  BusyInputs five;
  five.retries2 = 5;
  VerifyReport longer;
  predict_busy(longer, five, 204000, 30);
  EXPECT_EQ(longer.expected_ms, 405 + 12648);
  EXPECT_FALSE(longer.busy->early_ms);
  longer.measured_ms = 13519; // measured on loopback
  EXPECT_TRUE(longer.within());
}

} // namespace
} // namespace kaltune
