#include "render/style.hpp"

namespace kaltune {

bool use_color(ColorWhen when, bool is_terminal, bool no_color_set) {
  switch (when) {
  case ColorWhen::always:
    return true;
  case ColorWhen::never:
    return false;
  case ColorWhen::auto_:
    break;
  }
  return is_terminal && !no_color_set;
}

std::string Style::wrap(std::string_view code, std::string_view text) const {
  if (!color_) {
    return std::string(text);
  }
  std::string out = "\033[";
  out += code;
  out += 'm';
  out += text;
  out += "\033[0m";
  return out;
}

} // namespace kaltune
