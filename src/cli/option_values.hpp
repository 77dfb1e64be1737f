#pragma once

// Option values that more than one command takes, declared and read in one place: the three
// keepalive values (`set`, `verify`) and durations of at least a second (`check`, `verify`).

#include "base/keepalive.hpp"
#include "core/runtime.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace kaltune {

// --time, --intvl, --probes as given, in key order. They stay text until parse_values, so that
// every error has kaltune's wording (key, value, range).
using ValueTexts = std::array<std::optional<std::string>, key_count>;

// Declares --time, --intvl, --probes (and --retries2, when `keys` holds it) on `command`: one
// option per key of `keys`; `help` says what a key's value is for.
void add_value_options(CLI::App& command, ValueTexts& texts, std::span<const Key> keys,
                       std::string (*help)(Key key));

// The values given, each within what the socket API accepts (with `force`, what the kernel
// accepts); otherwise a usage error naming the key, the value and the accepted range.
Request parse_values(const ValueTexts& texts, bool force);

// The value of a duration option that must be at least 1 s; otherwise a usage error naming the
// option, the value and what is wrong.
std::int64_t parse_positive_duration(std::string_view option, const std::string& text);

} // namespace kaltune
