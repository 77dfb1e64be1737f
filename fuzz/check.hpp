#pragma once

// What every fuzz target shares: a property that does not hold prints why and aborts, which
// libFuzzer reports as a crash and saves the input as a reproducer (crash-<sha1>).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace kaltune::fuzz {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "property violated: %s\n", what.c_str());
  std::abort();
}

inline void require(bool holds, const std::string& what) {
  if (!holds) {
    fail(what);
  }
}

// The input as C-escaped text, for the message of a violated property.
inline std::string escaped(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

} // namespace kaltune::fuzz
