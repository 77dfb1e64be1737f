#include "render/duration.hpp"

#include <fmt/format.h>

#include <array>

namespace kaltune {

std::string human_duration(std::int64_t seconds) {
  if (seconds == 0) {
    return "0s";
  }
  std::string out = seconds < 0 ? "-" : "";
  // Work on the magnitude; -2^63 cannot occur (values are bounded by the kernel's int).
  std::int64_t rest = seconds < 0 ? -seconds : seconds;
  static constexpr std::array<std::pair<std::int64_t, char>, 4> units{
      {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}};
  for (const auto& [size, suffix] : units) {
    if (rest >= size) {
      out += fmt::format("{}{}", rest / size, suffix);
      rest %= size;
    }
  }
  return out;
}

std::string seconds_with_human(std::int64_t seconds) {
  if (seconds > -60 && seconds < 60) {
    return fmt::format("{} s", seconds);
  }
  return fmt::format("{} s ({})", seconds, human_duration(seconds));
}

std::string value_text(Key key, std::int64_t value) {
  return is_duration(key) ? seconds_with_human(value) : fmt::format("{}", value);
}

} // namespace kaltune
