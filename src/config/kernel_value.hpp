#pragma once

#include "base/keepalive.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kaltune {

// What the kernel's sysctl handler makes of a value an applier writes (`text` + "\n"):
// proc_dointvec_jiffies for time/intvl, proc_dou8vec_minmax for probes. The kernel reads one
// integer like strtoul with base 0 (0300 is octal, 0x258 hex), after optional blanks and '-', and
// ignores whatever follows a blank ("600 700" stores 600).
struct KernelValue {
  std::optional<std::int64_t> value; // nullopt: the write fails with EINVAL, nothing changes
  std::string note; // why it reads differently than it looks, or why it is rejected; "" if plain
};

// Seconds the jiffies handlers accept either way: INT_MAX / HZ. Depends on the kernel's
// CONFIG_HZ; 250 on Debian's kernels (and on the one the tests run on).
inline constexpr std::int64_t jiffies_hz = 250;
inline constexpr std::int64_t max_jiffies_seconds = 2147483647 / jiffies_hz;

KernelValue parse_kernel_value(Key key, std::string_view text);

} // namespace kaltune
