#pragma once

#include "base/keepalive.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace kaltune {

// A value and where it comes from: "running", "kernel default", or "path:line" for a file.
struct SourcedValue {
  std::int64_t value = 0;
  std::string origin;
};

// The three values of one source (running kernel, boot view, defaults, a file, a snapshot).
struct SourcedSettings {
  std::string source; // "running", "boot", "default", or a path
  std::array<SourcedValue, key_count> values;

  const SourcedValue& operator[](Key key) const { return values[index_of(key)]; }
  SourcedValue& operator[](Key key) { return values[index_of(key)]; }
  Settings settings() const;
};

// Every value of `settings` with the same origin.
SourcedSettings sourced(std::string source, const Settings& settings, const std::string& origin);

} // namespace kaltune
