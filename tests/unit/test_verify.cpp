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

} // namespace
} // namespace kaltune
