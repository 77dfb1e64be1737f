#pragma once

// A validator for integer options (--pid, --port): the strict decimal rule of the keepalive
// values applies to every number on the command line. CLI11's own conversion would take "010" as
// 8 and "0x50" as 80; this check runs first and refuses anything but plain digits, with a
// one-line message saying what is wrong (not CLI11's "not in range 0.000000 to 1797…").

#include <cstdint>

namespace CLI {
class Validator;
}

namespace kaltune {

// The largest pid Linux can hand out (PID_MAX_LIMIT).
inline constexpr std::int64_t max_pid = 4194304;

// Digits only, no sign, no leading zero (but "0"), between `min` and `max`.
CLI::Validator decimal(std::int64_t min, std::int64_t max);

} // namespace kaltune
