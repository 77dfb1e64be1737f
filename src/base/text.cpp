#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace kaltune {

std::size_t utf8_length(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) {
    return 0;
  }
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) {
      return 0;
    }
  }
  return length;
}

namespace {
// The code point of a well-formed UTF-8 sequence of `length` bytes.
char32_t code_point(std::string_view sequence, std::size_t length) {
  const auto byte = [&](std::size_t i) { return static_cast<char32_t>(sequence[i]) & 0xFF; };
  char32_t point = byte(0) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
  for (std::size_t i = 1; i < length; ++i) {
    point = (point << 6) | (byte(i) & 0x3F);
  }
  return point;
}

// Characters that reorder or hide what a terminal shows without being controls: the
// bidirectional marks, embeddings, overrides and isolates (U+202E makes "exe.txt" of
// "txt.exe"), and the line and paragraph separators, which some terminals break lines at.
bool is_format_control(char32_t point) {
  return point == 0x061C || point == 0x200E || point == 0x200F ||
         (point >= 0x2028 && point <= 0x202E) || (point >= 0x2066 && point <= 0x2069);
}
} // namespace

std::string printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (text.substr(i, 3) == "\xEF\xBB\xBF") {
      out += "\\xEF\\xBB\\xBF";
      i += 2;
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02X}", c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (const std::size_t length = utf8_length(text.substr(i));
               length != 0 && is_format_control(code_point(text.substr(i), length))) {
      out +=
          fmt::format("\\u{:04X}", static_cast<std::uint32_t>(code_point(text.substr(i), length)));
      i += length - 1;
    } else if (length != 0 && !(c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)) {
      out += text.substr(i, length); // valid UTF-8 that is not a C1 control (U+0080-U+009F)
      i += length - 1;
    } else if (const std::size_t c1 = utf8_length(text.substr(i)); c1 != 0) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned char>(text[i + 1])); // C1 control
      i += c1 - 1;
    } else {
      out += fmt::format("\\x{:02X}", c); // a byte that is not UTF-8
    }
  }
  return out;
}

std::string prefix_lines(std::string_view text, std::string_view prefix) {
  std::string out;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    out.append(prefix);
    out.append(text.substr(0, end));
    out += '\n';
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

std::string_view trim(std::string_view text, std::string_view blanks) {
  const auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

std::string_view trim_end(std::string_view text, std::string_view blanks) {
  const auto last = text.find_last_not_of(blanks);
  return last == std::string_view::npos ? std::string_view{} : text.substr(0, last + 1);
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const std::size_t slash = path.find('/', pos);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string ms_as_seconds(long long ms) {
  std::string out = std::to_string(ms / 1000);
  std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
  while (!fraction.empty() && fraction.back() == '0') {
    fraction.pop_back();
  }
  if (!fraction.empty()) {
    out += "." + fraction;
  }
  return out + " s";
}

} // namespace kaltune
