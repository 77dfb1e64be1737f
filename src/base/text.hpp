#pragma once

// Small text helpers every layer uses; they know nothing of sysctls.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// The length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when it is not one (ASCII included).
std::size_t utf8_length(std::string_view text);

// `text` fit for one line on a terminal: control characters (C0, DEL as \xHH, CR and tab as \r
// and \t; C1 as \u0080-\u009F), the characters that reorder or break what a terminal shows
// (bidirectional marks, embeddings, overrides and isolates, U+2028/U+2029, as \uHHHH), a
// byte-order mark and every byte that is not part of well-formed UTF-8 (as \xHH) escaped; other
// valid UTF-8 is kept. The one escaping rule of every text kaltune prints that comes from
// outside it (file names and lines, process names, container and pod names, messages).
std::string printable(std::string_view text);

// Every line of `text` after `prefix`, each ending in a newline.
std::string prefix_lines(std::string_view text, std::string_view prefix);

// `text` without the characters of `blanks` at either end (by default what the kernel's proc
// parser and a shell skip: space, tab, newline).
std::string_view trim(std::string_view text, std::string_view blanks = " \t\n");
// `text` without the characters of `blanks` at its end.
std::string_view trim_end(std::string_view text, std::string_view blanks = " \t\n");

// "349.25 s", "4 s": non-negative milliseconds as seconds, without trailing zeros.
std::string ms_as_seconds(long long ms);

// The parts of `path` between slashes, empty ones included ("/a//b" -> "", "a", "", "b").
std::vector<std::string_view> split_path(std::string_view path);

} // namespace kaltune
