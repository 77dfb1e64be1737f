#include "core/validate.hpp"

#include "core/duration.hpp"

#include <fmt/format.h>

namespace kaltune {

std::string describe_range(Key key, bool force) {
  const Range range = force ? kernel_range(key) : api_range(key);
  // "1-32767 s", but "-2147483 to 2147483 s" where a dash would read as a minus sign.
  return fmt::format("{}{}{}{}", range.min, range.min < 0 ? " to " : "-", range.max,
                     is_duration(key) ? " s" : "");
}

Result<std::int64_t> parse_value(Key key, std::string_view text, bool force) {
  auto fail = [&](std::string_view why, std::string_view hint = "") {
    return Result<std::int64_t>::failure(
        fmt::format("invalid {} (--{}) value '{}': {}; accepted {}{}", sysctl_name(key),
                    short_name(key), text, why, describe_range(key, force), hint));
  };
  Result<std::int64_t> parsed = is_duration(key)
                                    ? (force ? parse_signed_duration(text) : parse_duration(text))
                                    : parse_count(text);
  if (!parsed) {
    return fail(parsed.error());
  }
  if (!(force ? kernel_range(key) : api_range(key)).contains(*parsed)) {
    const bool kernel_would_take = !force && kernel_range(key).contains(*parsed);
    return fail("out of range",
                kernel_would_take ? " (--force allows what the kernel accepts)" : "");
  }
  return parsed;
}

} // namespace kaltune
