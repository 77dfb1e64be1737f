#include "config/kernel_value.hpp"

#include "base/text.hpp"
#include "config/boot_rules.hpp"

#include <fmt/format.h>

namespace kaltune {

namespace {
// proc_get_long copies at most TMPBUFLEN - 1 bytes; a number filling them is refused.
constexpr std::size_t max_number_chars = 21;

bool is_kernel_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

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

KernelValue reject(std::string note) {
  return KernelValue{std::nullopt, std::move(note)};
}
} // namespace

KernelValue parse_kernel_value(Key key, std::string_view raw) {
  const std::string shown = printable(raw);
  // The appliers write the value followed by a newline.
  const std::string written = std::string(raw) + "\n";
  std::size_t pos = 0;
  while (pos < written.size() && is_kernel_space(written[pos])) {
    ++pos;
  }
  if (pos == written.size()) {
    return reject("an empty value: the kernel rejects it (EINVAL)");
  }
  const std::string_view rest = std::string_view(written).substr(pos);
  const std::string_view number = rest.substr(0, std::min(rest.size(), max_number_chars));
  std::size_t i = 0;
  bool negative = false;
  if (number[0] == '-' && rest.size() > 1) {
    negative = true;
    ++i;
  }
  if (i >= number.size() || number[i] < '0' || number[i] > '9') {
    return reject(fmt::format("\"{}\" is not a number: the kernel rejects it (EINVAL)", shown));
  }
  int base = 10;
  if (number[i] == '0') {
    const bool hex = i + 2 < number.size() && (number[i + 1] == 'x' || number[i + 1] == 'X') &&
                     digit_value(number[i + 2]) < 16;
    base = hex ? 16 : 8;
    if (hex) {
      i += 2;
    }
  }
  std::uint64_t magnitude = 0;
  bool overflow = false;
  const std::size_t digits_begin = i;
  while (i < number.size() && digit_value(number[i]) < base) {
    const auto digit = static_cast<std::uint64_t>(digit_value(number[i]));
    if (magnitude > (UINT64_MAX - digit) / static_cast<std::uint64_t>(base)) {
      overflow = true;
    }
    magnitude = magnitude * static_cast<std::uint64_t>(base) + digit;
    ++i;
  }
  if (overflow) {
    return reject(fmt::format("\"{}\" overflows: the kernel rejects it (EINVAL)", shown));
  }
  if (i == max_number_chars) {
    return reject(fmt::format("\"{}\" is longer than the kernel reads (21 characters): it "
                              "rejects it (EINVAL)",
                              shown));
  }
  if (i < rest.size() && !is_separator(rest[i])) {
    return reject(fmt::format("\"{}\": the kernel rejects '{}' after the number (EINVAL)", shown,
                              printable(rest.substr(i, 1))));
  }
  const std::string_view consumed = rest.substr(0, i);
  std::int64_t value = 0;
  if (key == Key::probes) {
    if (negative) {
      return reject(
          fmt::format("\"{}\" is negative: the kernel rejects it for a count (EINVAL)", shown));
    }
    if (magnitude > 255) {
      return reject(fmt::format("\"{}\" is above 255: the kernel rejects it (EINVAL)", shown));
    }
    value = static_cast<std::int64_t>(magnitude);
  } else {
    if (magnitude > static_cast<std::uint64_t>(max_jiffies_seconds)) {
      return reject(fmt::format("\"{}\" is beyond {} s, the most the kernel stores in jiffies "
                                "(HZ={}): it rejects it (EINVAL)",
                                shown, max_jiffies_seconds, jiffies_hz));
    }
    value = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
  }
  // The value is accepted; say so when it does not read the way it looks.
  std::string note;
  const std::string_view trimmed_text = [&] {
    std::string_view t = raw;
    while (!t.empty() && is_kernel_space(t.front())) {
      t.remove_prefix(1);
    }
    while (!t.empty() && is_kernel_space(t.back())) {
      t.remove_suffix(1);
    }
    return t;
  }();
  if (base == 16) {
    note = fmt::format("the kernel reads {} as hexadecimal: {}", consumed, value);
  } else if (base == 8 && i - digits_begin > 1) {
    note = fmt::format("the kernel reads {} as octal: {}", consumed, value);
  }
  if (consumed.size() < trimmed_text.size()) {
    const std::string ignored(trimmed_text.substr(consumed.size()));
    const std::string rest_note =
        fmt::format("the kernel stores {} and ignores \"{}\"", value,
                    printable(std::string_view(ignored).substr(ignored.find_first_not_of(" \t"))));
    note = note.empty() ? rest_note : note + "; " + rest_note;
  }
  return KernelValue{value, note};
}

} // namespace kaltune
