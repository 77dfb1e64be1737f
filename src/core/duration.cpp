#include "core/duration.hpp"

#include <array>
#include <limits>
#include <string>

namespace kaltune {

namespace {
// Larger than any value the kernel accepts for a key, small enough that sums never overflow.
constexpr std::int64_t value_limit = std::int64_t{1} << 40;

struct Unit {
  char suffix;
  std::int64_t seconds;
};
constexpr std::array<Unit, 4> units{{{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Why the front of a text is no usable number; the caller words it.
enum class NumberProblem { none, no_digits, too_large, leading_zero };

// `problem` in words; `expected` is what a missing number should have been.
std::string describe(NumberProblem problem, std::string_view expected) {
  switch (problem) {
  case NumberProblem::too_large:
    return "too large";
  case NumberProblem::leading_zero:
    return "leading zero (the kernel would read it as octal)";
  case NumberProblem::no_digits:
  case NumberProblem::none:
    break;
  }
  return std::string(expected);
}

// Reads the digits at the front of `text`; fails on a leading zero followed by digits.
std::int64_t take_number(std::string_view& text, NumberProblem& problem) {
  std::size_t n = 0;
  std::int64_t value = 0;
  while (n < text.size() && is_digit(text[n])) {
    value = value * 10 + (text[n] - '0');
    if (value > value_limit) {
      problem = NumberProblem::too_large;
      return 0;
    }
    ++n;
  }
  if (n == 0) {
    problem = NumberProblem::no_digits;
    return 0;
  }
  if (n > 1 && text[0] == '0') {
    problem = NumberProblem::leading_zero;
    return 0;
  }
  problem = NumberProblem::none;
  text.remove_prefix(n);
  return value;
}

Result<std::int64_t> parse_unsigned_duration(std::string_view text) {
  if (text.empty()) {
    return Result<std::int64_t>::failure("empty value");
  }
  if (text.front() == '-' || text.front() == '+') {
    return Result<std::int64_t>::failure("a sign is not allowed");
  }
  std::int64_t total = 0;
  std::size_t next_unit = 0; // units must come from largest to smallest, each once
  while (!text.empty()) {
    NumberProblem problem = NumberProblem::none;
    const std::int64_t number = take_number(text, problem);
    if (problem != NumberProblem::none) {
      return Result<std::int64_t>::failure(describe(problem, "expected a whole number of seconds"));
    }
    if (text.empty()) {
      if (next_unit != 0) {
        return Result<std::int64_t>::failure("a number after a unit needs its own unit");
      }
      return number;
    }
    std::size_t u = next_unit;
    while (u < units.size() && units[u].suffix != text.front()) {
      ++u;
    }
    if (u == units.size()) {
      return Result<std::int64_t>::failure(
          "expected seconds or a duration such as 90s, 5m, 1h30m, 1d");
    }
    text.remove_prefix(1);
    next_unit = u + 1;
    total += number * units[u].seconds;
    if (total > value_limit) {
      return Result<std::int64_t>::failure("too large");
    }
  }
  return total;
}
} // namespace

Result<std::int64_t> parse_duration(std::string_view text) {
  return parse_unsigned_duration(text);
}

Result<std::int64_t> parse_count(std::string_view text) {
  std::string_view rest = text;
  if (rest.empty()) {
    return Result<std::int64_t>::failure("empty value");
  }
  NumberProblem problem = NumberProblem::none;
  const std::int64_t number = take_number(rest, problem);
  if (problem != NumberProblem::none) {
    return Result<std::int64_t>::failure(describe(problem, "expected a whole number"));
  }
  if (!rest.empty()) {
    return Result<std::int64_t>::failure("expected a whole number");
  }
  return number;
}

Result<std::int64_t> parse_signed_duration(std::string_view text) {
  if (!text.empty() && text.front() == '-') {
    auto magnitude = parse_unsigned_duration(text.substr(1));
    if (!magnitude) {
      return magnitude;
    }
    return -*magnitude;
  }
  return parse_unsigned_duration(text);
}

} // namespace kaltune
