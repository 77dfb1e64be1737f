#pragma once

#include "base/error.hpp"
#include "base/keepalive.hpp"

#include <cstdint>
#include <string_view>

namespace kaltune {

// Parses and range-checks a value given for `key` on the command line. Without `force` only what
// the socket API accepts passes; with it, what the kernel's sysctl handler accepts. The failure is
// one line naming the key, the value given and the accepted range.
Result<std::int64_t> parse_value(Key key, std::string_view text, bool force);

// The accepted range in words: "1-32767 s" or "1-127".
std::string describe_range(Key key, bool force);

} // namespace kaltune
