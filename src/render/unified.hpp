#pragma once

#include "render/style.hpp"

#include <string>
#include <string_view>

namespace kaltune {

// A unified diff (`diff -u` without timestamps) of two texts, 3 lines of context, with
// "\ No newline at end of file" where a text ends without one. Empty when the texts are equal.
// Labels are printed as given ("/dev/null" for a file created or removed).
std::string unified_text_diff(std::string_view from_label, std::string_view to_label,
                              std::string_view from, std::string_view to, const Style& style);

} // namespace kaltune
