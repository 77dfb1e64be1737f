#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// One line of a sysctl.conf / sysctl.d file, classified but with every byte kept: concatenating
// `text + ending` of all lines gives the file back exactly (BOM included, in line 1's text).
// The lexer is model-neutral; what a line means at boot (ignored, applied, a glob) is the
// resolver's business, since systemd-sysctl and procps differ.
struct ConfLine {
  enum class Kind {
    blank,      // nothing but whitespace
    comment,    // first non-blank is '#' or ';'
    assignment, // has '=': key and value
    other,      // anything else (no '='); the models differ on these
  };

  std::size_t number = 0;  // 1-based
  std::string_view text;   // the line without its ending
  std::string_view ending; // "\n", "\r\n", or "" (last line without newline); "\r" for
                           // a last line ended by a lone CR; with LineBreaks::systemd also
                           // "\r" or a NUL byte anywhere
  Kind kind = Kind::blank;

  // For assignments: spans of `text`, whitespace-trimmed. The key keeps a leading '-' (procps'
  // and systemd's "ignore failure" mark) so each model can decide; `key_begin` points at it.
  std::size_t key_begin = 0;
  std::size_t key_end = 0;
  std::size_t value_begin = 0;
  std::size_t value_end = 0;

  std::string_view key() const { return text.substr(key_begin, key_end - key_begin); }
  std::string_view value() const { return text.substr(value_begin, value_end - value_begin); }
};

// Where lines end. procps reads with getline(): only "\n" ends a line (a "\r\n" ending is kept
// as such, a lone "\r" stays inside the line). systemd's read_line() also ends a line at a lone
// "\r" and at a NUL byte.
enum class LineBreaks { lf, systemd };

// Splits `content` into lines. The views point into `content`, which must outlive the result.
// A UTF-8 byte-order mark at the start is treated as whitespace for classification.
std::vector<ConfLine> lex_conf(std::string_view content, LineBreaks breaks = LineBreaks::lf);

} // namespace kaltune
