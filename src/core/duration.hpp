#pragma once

#include "base/error.hpp"

#include <cstdint>
#include <string_view>

namespace kaltune {

// Parses a duration given on the command line: plain seconds ("5") or units from largest to
// smallest, each at most once ("90s", "5m", "1h30m", "1d"). Strict on purpose: no sign, fraction,
// exponent, hex, leading zero (the kernel would read 0300 as octal 192), spaces, or overflow.
// The result is in seconds; range checks are the caller's (they depend on the key).
Result<std::int64_t> parse_duration(std::string_view text);

// parse_duration of a value that must be at least 1 s (timeouts, limits, goals): the one wording
// of that rule, "must be at least 1 s".
Result<std::int64_t> parse_positive_duration(std::string_view text);

// Parses a plain non-negative decimal count with the same strictness (no units).
Result<std::int64_t> parse_count(std::string_view text);

// Like parse_duration/parse_count but also accepts a leading '-' (for --force values).
Result<std::int64_t> parse_signed_duration(std::string_view text);

} // namespace kaltune
