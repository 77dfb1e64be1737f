#include "core/verify.hpp"

namespace kaltune {

namespace {
bool near(std::int64_t measured, std::int64_t expected, std::int64_t tolerance) {
  const std::int64_t difference = measured - expected;
  return difference >= -tolerance && difference <= tolerance;
}
} // namespace

bool VerifyReport::within() const {
  if (!measured_ms) {
    return false;
  }
  if (near(*measured_ms, expected_ms, tolerance_ms)) {
    return true;
  }
  return busy && busy->early_ms && near(*measured_ms, *busy->early_ms, busy->early_tolerance_ms);
}

std::int64_t verify_tolerance_ms(std::int64_t expected_ms) {
  return 500 + expected_ms / 8;
}

void predict_busy(VerifyReport& report, const BusyInputs& inputs, std::int64_t rto_us,
                  std::int64_t rtt_us) {
  BusyVerify busy;
  busy.retries2 = inputs.retries2;
  const BusyLimit limit = retries2_limit(inputs);
  busy.bound_ms = limit.ms;
  busy.rto_us = rto_us;
  busy.rtt_us = rtt_us;
  const double rto_ms = static_cast<double>(rto_us) / 1000.0;
  busy.first_ms =
      first_retransmission_ms(rto_ms, static_cast<double>(rtt_us) / 1000.0, inputs.rto_min_ms);
  const BusyTimeline timeline = busy_timeline(limit, rto_ms);
  busy.retransmissions = timeline.retransmissions;
  report.expected_ms = busy.first_ms + timeline.give_up_ms;
  report.tolerance_ms = verify_tolerance_ms(report.expected_ms);
  if (timeline.early_give_up_ms) {
    busy.early_ms = busy.first_ms + *timeline.early_give_up_ms;
    busy.early_tolerance_ms = verify_tolerance_ms(*busy.early_ms);
  }
  if (report.busy) {
    busy.first_seen_ms = report.busy->first_seen_ms;
  }
  report.busy = busy;
}

} // namespace kaltune
