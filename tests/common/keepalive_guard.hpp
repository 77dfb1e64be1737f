#pragma once

// The guard that stands between a test layout and a real boot-time applier: every line either
// applier could read as an assignment (or an exclusion, or a read) must name one of kaltune's
// four keys (the three keepalive keys and net.ipv4.tcp_retries2), or a glob that can only match
// under net.ipv4.tcp_keepalive_. Pure, so the unit
// tests check it with tables and the integration replays (tests/integration/replay.cpp) run it
// on every file an applier would see, right before running it.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune::guard {

namespace detail {

// Whitespace either applier strips: systemd's WHITESPACE and procps' isspace().
inline bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Control characters no key or comment of a test layout needs; NUL ends lines (see below).
inline bool control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && !blank(c)) || u == 0x7f;
}

inline std::vector<std::string_view> split(std::string_view text, std::string_view breaks) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find_first_of(breaks, pos), text.size());
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// The key without anything either applier strips or ignores: every blank (also inside, as in
// "- key"), UTF-8 BOMs, then leading '-' (procps strips two) and '/' (systemd drops one).
inline std::string normalized_key(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (!blank(c)) {
      out += c;
    }
  }
  for (std::size_t bom = out.find("\xEF\xBB\xBF"); bom != std::string::npos;
       bom = out.find("\xEF\xBB\xBF")) {
    out.erase(bom, 3);
  }
  out.erase(0, out.find_first_not_of("-/"));
  return out;
}

// `assigns`: the line has an '='. A line without one assigns nothing in either applier (systemd
// ignores it or takes "-key" as an exclusion, procps at most reads the key), so there the text only
// has to start with a keepalive name: "net.ipv4.tcp_keepalive_time 625" is a test case.
inline bool keepalive_key(const std::string& key, bool assigns) {
  // No "." or ".." path components: "net/ipv4/../../kernel/panic" must not count as net.ipv4.
  for (std::string_view part : split(key, "/")) {
    if (part == "." || part == "..") {
      return false;
    }
  }
  std::vector<std::string_view> parts;
  for (std::string_view part : split(key, "./")) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  if (parts.size() < 3 || (assigns && parts.size() != 3) || parts[0] != "net" ||
      parts[1] != "ipv4") {
    return false;
  }
  const std::string_view prefix = "tcp_keepalive_";
  const std::string_view last = parts[2];
  if (last == "tcp_retries2") {
    return true; // exactly: no glob, "tcp_retries*" would reach tcp_retries1 too
  }
  if (last.substr(0, prefix.size()) != prefix) {
    return false;
  }
  if (!assigns) {
    return true;
  }
  const std::string_view rest = last.substr(prefix.size());
  if (rest == "time" || rest == "intvl" || rest == "probes") {
    return true;
  }
  // A glob within the last component only: glob(3) never crosses a '/', so it stays under
  // net/ipv4/tcp_keepalive_. Anything but lower-case letters and * ? [ ] ! is refused.
  return !rest.empty() &&
         rest.find_first_not_of("abcdefghijklmnopqrstuvwxyz*?[]!") == std::string_view::npos;
}

inline std::optional<std::string> check_line(std::string_view line) {
  if (std::any_of(line.begin(), line.end(), control)) {
    return "control character in line";
  }
  const std::size_t first = std::find_if_not(line.begin(), line.end(), blank) - line.begin();
  if (first == line.size() || line[first] == '#' || line[first] == ';') {
    return std::nullopt;
  }
  const std::size_t equals = line.find('=');
  // Neither applier removes blanks inside a key, so a key with inner blanks (procps keeps a CR
  // that systemd splits at) reaches nothing; every word of it must still be a keepalive name.
  std::string word;
  const std::string_view text = line.substr(0, equals);
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && !blank(text[i])) {
      word += text[i];
      continue;
    }
    const std::string key = normalized_key(word);
    word.clear();
    if (key.empty() || key == "#" || key == ";") {
      continue; // "key\r# comment": a lone comment mark names nothing
    }
    if (!keepalive_key(key, equals != std::string_view::npos)) {
      return "key '" + key + "' is not a keepalive key";
    }
    if (equals == std::string_view::npos) {
      return std::nullopt; // assigns nothing: only the name read matters
    }
  }
  return std::nullopt;
}

} // namespace detail

// The first line of `content` that could reach something other than kaltune's four keys,
// with the reason, or nothing. Lines are split both ways the appliers split them (procps at LF,
// systemd also at a lone CR or NUL); NUL ends a line for both views (procps' C strings stop
// there), so whatever follows it is checked as a line of its own. Other control characters are
// refused, never skipped; a line without '=' is checked like a key.
inline std::optional<std::string> foreign_line(std::string_view content) {
  for (std::string_view breaks : {std::string_view("\n\0", 2), std::string_view("\n\r\0", 3)}) {
    for (std::string_view line : detail::split(content, breaks)) {
      if (auto problem = detail::check_line(line)) {
        std::string shown;
        for (char c : line) {
          const auto u = static_cast<unsigned char>(c);
          if (u < 0x20 || u >= 0x7f) {
            static const char hex[] = "0123456789abcdef";
            shown += std::string("\\x") + hex[u >> 4] + hex[u & 15];
          } else {
            shown += c;
          }
        }
        return *problem + ": \"" + shown + "\"";
      }
    }
  }
  return std::nullopt;
}

} // namespace kaltune::guard
