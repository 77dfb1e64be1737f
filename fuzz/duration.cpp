// Durations and counts of the command line (core/duration): strict, so whatever parses as a
// count is its own decimal spelling, a duration is never negative, and a signed one agrees.

#include "core/duration.hpp"
#include "check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using kaltune::fuzz::escaped;
using kaltune::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto count = kaltune::parse_count(text);
  if (count) {
    require(std::to_string(*count) == text, "a count is its decimal spelling: " + escaped(text));
  }
  const auto duration = kaltune::parse_duration(text);
  if (duration) {
    require(*duration >= 0, "a duration is not negative: " + escaped(text));
    if (count) {
      require(*duration == *count, "plain seconds read as the count: " + escaped(text));
    }
  }
  const auto signed_duration = kaltune::parse_signed_duration(text);
  if (duration) {
    require(signed_duration && *signed_duration == *duration,
            "a duration reads the same as a signed one: " + escaped(text));
  }
  if (signed_duration && !text.empty() && text.front() == '-') {
    const auto positive = kaltune::parse_duration(text.substr(1));
    require(positive && *positive == -*signed_duration, "-D is minus D: " + escaped(text));
  }
  for (const auto* result : {&count, &duration, &signed_duration}) {
    if (!*result) {
      require(!result->error().empty(), "a failure says what is wrong: " + escaped(text));
    }
  }
  return 0;
}
