#include "config/lexer.hpp"

namespace kaltune {

namespace {
// Whitespace as both appliers strip it around keys and values.
bool is_conf_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

std::size_t skip_space(std::string_view text, std::size_t from, std::size_t to) {
  while (from < to && is_conf_space(text[from])) {
    ++from;
  }
  return from;
}

std::size_t trim_end(std::string_view text, std::size_t from, std::size_t to) {
  while (to > from && is_conf_space(text[to - 1])) {
    --to;
  }
  return to;
}

void classify(ConfLine& line, std::size_t start) {
  const std::string_view text = line.text;
  const std::size_t first = skip_space(text, start, text.size());
  if (first == text.size()) {
    line.kind = ConfLine::Kind::blank;
    return;
  }
  if (text[first] == '#' || text[first] == ';') {
    line.kind = ConfLine::Kind::comment;
    return;
  }
  const std::size_t equals = text.find('=', first);
  if (equals == std::string_view::npos) {
    line.kind = ConfLine::Kind::other;
    line.key_begin = first;
    line.key_end = trim_end(text, first, text.size());
    line.value_begin = line.value_end = line.key_end;
    return;
  }
  line.kind = ConfLine::Kind::assignment;
  line.key_begin = first;
  line.key_end = trim_end(text, first, equals);
  line.value_begin = skip_space(text, equals + 1, text.size());
  line.value_end = trim_end(text, line.value_begin, text.size());
}
} // namespace

std::vector<ConfLine> lex_conf(std::string_view content, LineBreaks breaks) {
  std::vector<ConfLine> lines;
  const std::string_view enders =
      breaks == LineBreaks::lf ? std::string_view("\n") : std::string_view("\n\r\0", 3);
  std::size_t pos = 0;
  while (pos < content.size()) {
    ConfLine line;
    line.number = lines.size() + 1;
    const std::size_t found = content.find_first_of(enders, pos);
    const std::size_t text_end = found == std::string_view::npos ? content.size() : found;
    std::size_t ending_end = text_end;
    if (found != std::string_view::npos) {
      ending_end = found + 1;
      if (content[found] == '\r' && ending_end < content.size() && content[ending_end] == '\n') {
        ++ending_end;
      }
    }
    std::size_t kept_end = text_end;
    if (breaks == LineBreaks::lf && kept_end > pos && content[kept_end - 1] == '\r') {
      // "\r\n" is the ending; so is a lone '\r' that ends the file (systemd ends the line
      // there, procps strips it as a blank): an edit keeps it. A lone '\r' elsewhere stays in
      // the text.
      --kept_end;
    }
    line.text = content.substr(pos, kept_end - pos);
    line.ending = content.substr(kept_end, ending_end - kept_end);
    const bool bom = pos == 0 && line.text.substr(0, utf8_bom.size()) == utf8_bom;
    classify(line, bom ? utf8_bom.size() : 0);
    lines.push_back(line);
    pos = ending_end;
  }
  return lines;
}

} // namespace kaltune
