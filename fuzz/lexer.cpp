// The lexer (config/lexer): every byte is kept, with both line-break rules.

#include "config/lexer.hpp"
#include "check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using kaltune::fuzz::require;

namespace {

void check(std::string_view content, kaltune::LineBreaks breaks) {
  const auto lines = kaltune::lex_conf(content, breaks);
  std::string joined;
  std::size_t number = 0;
  for (const auto& line : lines) {
    require(line.number == ++number, "line numbers are 1, 2, 3, ...");
    require(line.text.find('\n') == std::string_view::npos, "a line holds no LF");
    if (line.kind == kaltune::ConfLine::Kind::assignment) {
      require(line.key_begin <= line.key_end && line.key_end <= line.text.size() &&
                  line.value_begin <= line.value_end && line.value_end <= line.text.size(),
              "key and value lie inside the line");
      (void)line.key();
      (void)line.value();
    }
    joined += line.text;
    joined += line.ending;
  }
  require(joined == content,
          "text + ending of every line gives the file back: " + kaltune::fuzz::escaped(content));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string content(reinterpret_cast<const char*>(data), size);
  check(content, kaltune::LineBreaks::lf);
  check(content, kaltune::LineBreaks::systemd);
  return 0;
}
