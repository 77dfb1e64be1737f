#pragma once

#include "base/keepalive.hpp"

#include <cstdint>
#include <string>

namespace kaltune {

// "2h11m15s", "1m15s", "5s", "0s", "-1m" — the largest units first, zero parts left out.
std::string human_duration(std::int64_t seconds);

// "7200 s (2h)", "75 s (1m15s)", "5 s": seconds, with the human form when it says more.
std::string seconds_with_human(std::int64_t seconds);

// A value of KEY as the tables print it: seconds_with_human for a duration, the bare count else.
std::string value_text(Key key, std::int64_t value);

} // namespace kaltune
