#include "core/verify.hpp"

namespace kaltune {

bool VerifyReport::within() const {
  if (!measured_ms) {
    return false;
  }
  const std::int64_t difference = *measured_ms - expected_ms;
  return difference >= -tolerance_ms && difference <= tolerance_ms;
}

std::int64_t verify_tolerance_ms(std::int64_t expected_ms) {
  return 500 + expected_ms / 8;
}

} // namespace kaltune
