#include "cli/decimal.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string>

namespace kaltune {

CLI::Validator decimal(std::int64_t min, std::int64_t max) {
  return CLI::Validator(
      [min, max](std::string& value) -> std::string {
        const std::string range = fmt::format("a decimal number from {} to {}", min, max);
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
          return fmt::format("'{}' is not {}", value, range);
        }
        if (value.size() > 1 && value.front() == '0') {
          return fmt::format("'{}' has a leading zero: expected {} (no octal)", value, range);
        }
        if (value.size() > 19 || std::stoll(value) < min || std::stoll(value) > max) {
          return fmt::format("{} is out of range: expected {}", value, range);
        }
        return "";
      },
      fmt::format("{}-{}", min, max), "DECIMAL");
}

} // namespace kaltune
