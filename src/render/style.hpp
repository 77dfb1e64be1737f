#pragma once

#include <string>
#include <string_view>

namespace kaltune {

enum class ColorWhen { auto_, always, never };

// Colour only on a terminal and never with NO_COLOR set (to anything, https://no-color.org).
bool use_color(ColorWhen when, bool is_terminal, bool no_color_set);

// Pure formatting of emphasis; with colour off every function returns the text unchanged.
class Style {
public:
  explicit Style(bool color = false) : color_(color) {}
  bool color() const { return color_; }
  std::string bold(std::string_view text) const { return wrap("1", text); }
  std::string warn(std::string_view text) const { return wrap("33", text); }
  std::string bad(std::string_view text) const { return wrap("31", text); }
  std::string good(std::string_view text) const { return wrap("32", text); }
  std::string dim(std::string_view text) const { return wrap("2", text); }

private:
  std::string wrap(std::string_view code, std::string_view text) const;
  bool color_;
};

} // namespace kaltune
