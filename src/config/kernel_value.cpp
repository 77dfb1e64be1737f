#include "config/kernel_value.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

namespace kaltune {

namespace {
// proc_get_long copies at most TMPBUFLEN - 1 bytes; a number filling them is refused.
constexpr std::size_t max_number_chars = 21;

// What the kernel's proc parser skips before a number (isspace).
constexpr std::string_view kernel_spaces = " \t\n\v\f\r";

// The characters proc_dointvec accepts right after a number (proc_wspace_sep).
bool is_separator(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return 99;
}
} // namespace

Result<ScannedNumber> scan_kernel_number(std::string_view raw) {
  using Failure = Result<ScannedNumber>;
  const std::string shown = printable(raw);
  // The appliers write the value followed by a newline.
  const std::string written = std::string(raw) + "\n";
  const std::size_t pos = written.find_first_not_of(kernel_spaces);
  if (pos == std::string::npos) {
    return Failure::failure("an empty value: the kernel rejects it (EINVAL)");
  }
  const std::string_view rest = std::string_view(written).substr(pos);
  const std::string_view number = rest.substr(0, std::min(rest.size(), max_number_chars));
  ScannedNumber out;
  std::size_t i = 0;
  if (number[0] == '-' && rest.size() > 1) {
    out.negative = true;
    ++i;
  }
  if (i >= number.size() || number[i] < '0' || number[i] > '9') {
    return Failure::failure(
        fmt::format("\"{}\" is not a number: the kernel rejects it (EINVAL)", shown));
  }
  if (number[i] == '0') {
    const bool hex = i + 2 < number.size() && (number[i + 1] == 'x' || number[i + 1] == 'X') &&
                     digit_value(number[i + 2]) < 16;
    out.base = hex ? 16 : 8;
    if (hex) {
      i += 2;
    }
  }
  bool overflow = false;
  const std::size_t digits_begin = i;
  const auto base = static_cast<std::uint64_t>(out.base);
  while (i < number.size() && digit_value(number[i]) < out.base) {
    const auto digit = static_cast<std::uint64_t>(digit_value(number[i]));
    if (out.magnitude > (UINT64_MAX - digit) / base) {
      overflow = true;
    }
    out.magnitude = out.magnitude * base + digit;
    ++i;
  }
  if (overflow) {
    return Failure::failure(fmt::format("\"{}\" overflows: the kernel rejects it (EINVAL)", shown));
  }
  if (i == max_number_chars) {
    return Failure::failure(fmt::format("\"{}\" is longer than the kernel reads (21 characters): "
                                        "it rejects it (EINVAL)",
                                        shown));
  }
  if (i < rest.size() && !is_separator(rest[i])) {
    return Failure::failure(fmt::format("\"{}\": the kernel rejects '{}' after the number (EINVAL)",
                                        shown, printable(rest.substr(i, 1))));
  }
  out.digits = i - digits_begin;
  // Views into `raw`, not into the local copy with its newline.
  const std::string_view in_raw = raw.substr(pos);
  out.consumed = in_raw.substr(0, i);
  out.ignored = trim(trim_end(in_raw.substr(i), kernel_spaces), " \t");
  return out;
}

Result<std::int64_t> stored_value(Key key, const ScannedNumber& number, std::string_view shown) {
  using Failure = Result<std::int64_t>;
  if (!is_duration(key)) {
    // The counts are u8 (proc_dou8vec_minmax): 0-255, no sign.
    if (number.negative) {
      return Failure::failure(
          fmt::format("\"{}\" is negative: the kernel rejects it for a count (EINVAL)", shown));
    }
    if (number.magnitude > static_cast<std::uint64_t>(kernel_range(key).max)) {
      return Failure::failure(fmt::format("\"{}\" is above {}: the kernel rejects it (EINVAL)",
                                          shown, kernel_range(key).max));
    }
    return static_cast<std::int64_t>(number.magnitude);
  }
  // One limit for time and intvl everywhere (validation, --force, snapshots, the boot view):
  // kernel_range, INT_MAX / HZ seconds at the highest HZ.
  const Range range = kernel_range(key);
  if (number.magnitude > static_cast<std::uint64_t>(range.max)) {
    return Failure::failure(fmt::format(
        "\"{}\" is beyond {} s, the most every kernel stores in jiffies (INT_MAX/HZ, HZ up to "
        "{}): kaltune takes it as rejected (EINVAL)",
        shown, range.max, max_kernel_hz));
  }
  const auto magnitude = static_cast<std::int64_t>(number.magnitude);
  return number.negative ? -magnitude : magnitude;
}

std::string reads_differently(const ScannedNumber& number, std::int64_t value) {
  std::string note;
  if (number.base == 16) {
    note = fmt::format("the kernel reads {} as hexadecimal: {}", number.consumed, value);
  } else if (number.base == 8 && number.digits > 1) {
    note = fmt::format("the kernel reads {} as octal: {}", number.consumed, value);
  }
  if (!number.ignored.empty()) {
    const std::string rest_note =
        fmt::format("the kernel stores {} and ignores \"{}\"", value, printable(number.ignored));
    note = note.empty() ? rest_note : note + "; " + rest_note;
  }
  return note;
}

KernelValue parse_kernel_value(Key key, std::string_view text) {
  const auto number = scan_kernel_number(text);
  if (!number) {
    return KernelValue{std::nullopt, number.error()};
  }
  const auto value = stored_value(key, *number, printable(text));
  if (!value) {
    return KernelValue{std::nullopt, value.error()};
  }
  return KernelValue{*value, reads_differently(*number, *value)};
}

} // namespace kaltune
