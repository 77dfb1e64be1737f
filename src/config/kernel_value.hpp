#pragma once

#include "base/error.hpp"
#include "base/keepalive.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kaltune {

// What the kernel's sysctl handler makes of a value an applier writes (`text` + "\n"):
// proc_dointvec_jiffies for time/intvl, proc_dou8vec_minmax for probes. As in the kernel the work
// is three steps: scan one integer (proc_get_long: strtoul with base 0 — 0300 is octal, 0x258
// hex — after optional blanks and '-'; whatever follows a blank is ignored, "600 700" stores
// 600), convert it to what the key's handler stores (its range), and, for people, say when that
// is not what the text looks like.

// The integer the kernel scans from a written value.
struct ScannedNumber {
  bool negative = false;
  std::uint64_t magnitude = 0;
  int base = 10;
  std::size_t digits = 0;    // digits read (without sign and 0x)
  std::string_view consumed; // the number as written, sign and prefix included
  std::string_view ignored;  // what follows it (blanks trimmed): the kernel ignores it
};

// Step 1, the same for every key: the number, or why the kernel rejects the text (EINVAL).
Result<ScannedNumber> scan_kernel_number(std::string_view text);
// Step 2: what the key's handler stores (time/intvl within kernel_range, probes 0-255), or why it
// rejects the number (EINVAL). `shown` is the text as a message shows it.
Result<std::int64_t> stored_value(Key key, const ScannedNumber& number, std::string_view shown);
// Step 3: why a stored value does not read the way the text looks (octal, hexadecimal, trailing
// words), or "" when it does.
std::string reads_differently(const ScannedNumber& number, std::int64_t value);

struct KernelValue {
  std::optional<std::int64_t> value; // nullopt: the write fails with EINVAL, nothing changes
  // Why it reads differently than it looks (value set), or why it is rejected (nullopt); "" if
  // the kernel stores just what the text looks like.
  std::string note;
};

// The three steps together.
KernelValue parse_kernel_value(Key key, std::string_view text);

} // namespace kaltune
