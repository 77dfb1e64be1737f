#pragma once

#include "core/diff.hpp"
#include "render/style.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace kaltune {

// `--- A` / `+++ B`, then one line per key: ` key = v` when equal, `-key = a` and `+key = b` when
// not, each followed by `  # origin` when the origin says more than the source's name. Empty when
// the sources are identical (as diff(1) prints nothing).
std::string render_unified(const SourceDiff& diff, const Style& style);
// Key, both values, both origins, a mark on differing rows, and both detection times.
std::string render_diff_table(const SourceDiff& diff, const Style& style);
// {"identical", "a": {source, settings, detect_seconds}, "b": …, "differences": [{key, a, b}]}.
nlohmann::ordered_json to_json(const SourceDiff& diff);
// The same as indented text with a final newline: what `--json` prints.
std::string render_json(const SourceDiff& diff);

} // namespace kaltune
