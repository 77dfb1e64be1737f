#include "core/diff.hpp"

namespace kaltune {

SourceDiff diff_sources(SourcedSettings a, SourcedSettings b) {
  SourceDiff out{std::move(a), std::move(b), {}};
  for (Key key : all_keys) {
    if (out.a[key].value != out.b[key].value) {
      out.different.push_back(key);
    }
  }
  return out;
}

} // namespace kaltune
