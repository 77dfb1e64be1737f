#pragma once

#include "base/source.hpp"

#include <vector>

namespace kaltune {

// Two sources side by side and the keys whose values differ (origins alone do not count).
struct SourceDiff {
  SourcedSettings a;
  SourcedSettings b;
  std::vector<Key> different;
  bool identical() const { return different.empty(); }
};

SourceDiff diff_sources(SourcedSettings a, SourcedSettings b);

} // namespace kaltune
