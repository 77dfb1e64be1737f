#include "config/boot_rules.hpp"

#include "base/text.hpp"
#include "config/lexer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <fnmatch.h>

namespace kaltune {

namespace {
constexpr std::string_view proc_sys = "/proc/sys/";

// systemd's WHITESPACE; procps uses isspace(), which adds \v and \f.
std::string_view blanks(BootModel model) {
  return model == BootModel::systemd ? " \t\n\r" : " \t\n\r\v\f";
}

bool is_space(BootModel model, char c) {
  return blanks(model).find(c) != std::string_view::npos;
}

std::string_view strip(BootModel model, std::string_view text) {
  return trim(text, blanks(model));
}

std::string_view rstrip(BootModel model, std::string_view text) {
  return trim_end(text, blanks(model));
}

// Swaps '.' and '/' from the first separator on, when that separator is `from`.
void swap_separators(std::string& text, std::size_t begin, char from) {
  const std::size_t first = text.find_first_of("./", begin);
  if (first == std::string::npos || text[first] != from) {
    return;
  }
  for (std::size_t i = first; i < text.size(); ++i) {
    if (text[i] == '.') {
      text[i] = '/';
    } else if (text[i] == '/') {
      text[i] = '.';
    }
  }
}

std::optional<Key> leaf_key(std::string_view leaf) {
  for (Key key : all_keys) {
    const std::string_view name = sysctl_name(key);
    if (name.substr(name.rfind('.') + 1) == leaf) {
      return key;
    }
  }
  return std::nullopt;
}

std::array<bool, key_count> glob_matches(BootModel model, const std::string& identity) {
  std::array<bool, key_count> out{};
  for (Key key : all_keys) {
    const std::string name =
        model == BootModel::systemd ? systemd_identity(key) : procps_identity(key);
    out[index_of(key)] = ::fnmatch(identity.c_str(), name.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
  }
  return out;
}

// A note on a line, formatted only while the file has fewer than max_line_notes: past that they
// are only counted (a file of half a million lines that set nothing).
template <typename Format> void add_note(ParsedFile& parsed, Format format) {
  if (parsed.warnings.size() < max_line_notes) {
    parsed.warnings.push_back(format());
  } else {
    ++parsed.unlisted;
  }
}

void add_directive(BootModel model, ParsedFile& parsed, Directive directive) {
  directive.glob = is_glob(directive.key);
  if (model == BootModel::systemd) {
    directive.identity = systemd_normalize(directive.key);
    directive.reaches = directive.glob ? std::nullopt : systemd_reaches(directive.identity);
  } else {
    directive.identity = procps_path(directive.key);
    directive.reaches = directive.glob ? std::nullopt : procps_reaches(directive.identity);
  }
  if (directive.glob || !directive.value) {
    directive.matches =
        directive.glob ? glob_matches(model, directive.identity) : std::array<bool, key_count>{};
    if (!directive.glob && directive.reaches) {
      directive.matches[index_of(*directive.reaches)] = true;
    }
  }
  const bool ours =
      directive.reaches || std::any_of(all_keys.begin(), all_keys.end(),
                                       [&](Key key) { return directive.touches(key); });
  if (!ours) {
    if (mentions_a_key(directive.key)) {
      add_note(parsed, [&] {
        return fmt::format(
            "{}: \"{}\" does not name a keepalive key the way {} reads it ({}); the line sets "
            "nothing",
            directive.origin(), printable(directive.key), to_string(model),
            printable(directive.identity));
      });
    }
    return; // other keys are not kaltune's business and cannot change the outcome for ours
  }
  if (directive.glob && !directive.value) {
    // Neither applier excludes by pattern in these versions; systemd still lets the line cancel
    // an earlier assignment of the very same pattern.
    add_note(parsed, [&] {
      return fmt::format(
          "{}: \"-{}\" excludes nothing: {} does not exclude keys by pattern, only by exact name",
          directive.origin(), printable(directive.key), to_string(model));
    });
    directive.matches = {};
    if (model == BootModel::procps) {
      return;
    }
  }
  parsed.directives.push_back(std::move(directive));
}

void parse_systemd_line(ParsedFile& parsed, Directive base, std::string_view text) {
  std::string_view p = strip(BootModel::systemd, text);
  if (p.empty() || p.front() == '#' || p.front() == ';') {
    return;
  }
  const std::size_t equals = p.find('=');
  if (equals == std::string_view::npos) {
    if (p.front() != '-') {
      add_note(parsed, [&] {
        return fmt::format("{}: not an assignment; systemd-sysctl ignores the line: {}",
                           base.origin(), printable(p));
      });
      return;
    }
    base.key = std::string(strip(BootModel::systemd, p.substr(1)));
    add_directive(BootModel::systemd, parsed, std::move(base));
    return;
  }
  std::string_view key = p.substr(0, equals);
  if (key.front() == '-') {
    base.ignore_failure = true;
    key.remove_prefix(1);
  }
  base.key = std::string(strip(BootModel::systemd, key));
  base.value = std::string(strip(BootModel::systemd, p.substr(equals + 1)));
  add_directive(BootModel::systemd, parsed, std::move(base));
}

void parse_procps_line(ParsedFile& parsed, Directive base, std::string_view text,
                       bool has_newline) {
  // getline() keeps the '\n', and string functions stop at a NUL byte.
  text = text.substr(0, text.find('\0'));
  if (text.size() + (has_newline ? 1 : 0) < 2) {
    return;
  }
  std::string_view key = text;
  while (!key.empty() && is_space(BootModel::procps, key.front())) {
    key.remove_prefix(1);
  }
  if (key.size() + (has_newline ? 1 : 0) < 2 || key.front() == '#' || key.front() == ';') {
    return;
  }
  const std::size_t equals = key.find('=');
  if (equals == std::string_view::npos) {
    if (key.front() != '-') {
      add_note(parsed, [&] {
        return fmt::format(
            "{}: not an assignment; procps sysctl ignores the line (\"invalid syntax\"): {}",
            base.origin(), printable(rstrip(BootModel::procps, key)));
      });
      return;
    }
    base.key = std::string(rstrip(BootModel::procps, key.substr(1)));
    add_directive(BootModel::procps, parsed, std::move(base));
    return;
  }
  std::string_view value = key.substr(equals + 1);
  key = key.substr(0, equals);
  if (key.front() == '-') {
    base.ignore_failure = true;
    key.remove_prefix(1);
  }
  while (!value.empty() && is_space(BootModel::procps, value.front())) {
    value.remove_prefix(1);
  }
  base.key = std::string(rstrip(BootModel::procps, key));
  base.value = std::string(rstrip(BootModel::procps, value));
  add_directive(BootModel::procps, parsed, std::move(base));
}
} // namespace

std::string Directive::origin() const {
  return fmt::format("{}:{}", file, line);
}

bool Directive::touches(Key key) const {
  return reaches == key || matches[index_of(key)];
}

bool is_glob(std::string_view key) {
  return key.find_first_of("*?[") != std::string_view::npos;
}

std::string systemd_normalize(std::string_view key) {
  std::string text(key);
  swap_separators(text, 0, '.');
  // path_simplify: one leading slash kept, empty and "." components dropped.
  std::string out = !text.empty() && text.front() == '/' ? "/" : "";
  bool first = true;
  for (std::string_view component : split_path(text)) {
    if (component.empty() || component == ".") {
      continue;
    }
    out += first ? "" : "/";
    out += component;
    first = false;
  }
  if (out.empty()) {
    out = ".";
  }
  if (out.size() > 1 && out.front() == '/') {
    out.erase(0, 1);
  }
  return out;
}

std::string procps_path(std::string_view key) {
  // setting_new() drops a '-' once more: "--key = value" reaches the key.
  if (!key.empty() && key.front() == '-') {
    key.remove_prefix(1);
  }
  std::string path = std::string(proc_sys) + std::string(key);
  swap_separators(path, proc_sys.size(), '.');
  return path;
}

std::optional<Key> systemd_reaches(std::string_view normalized) {
  for (Key key : all_keys) {
    if (normalized == systemd_identity(key)) {
      return key;
    }
  }
  return std::nullopt;
}

std::optional<Key> procps_reaches(std::string_view path) {
  // The kernel resolves the path: repeated slashes and "." vanish, ".." climbs, and nothing can
  // follow a file, not even "/" (ENOTDIR).
  const auto parts = split_path(path);
  std::vector<std::string_view> resolved;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (i == 0 && part.empty()) {
      continue;
    }
    if (!resolved.empty() && leaf_key(resolved.back())) {
      return std::nullopt;
    }
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!resolved.empty()) {
        resolved.pop_back();
      }
      continue;
    }
    resolved.push_back(part);
  }
  if (resolved.size() != 5 || resolved[0] != "proc" || resolved[1] != "sys" ||
      resolved[2] != "net" || resolved[3] != "ipv4") {
    return std::nullopt;
  }
  return leaf_key(resolved[4]);
}

std::string systemd_identity(Key key) {
  std::string out(sysctl_name(key));
  for (char& c : out) {
    c = c == '.' ? '/' : c;
  }
  return out;
}

std::string procps_identity(Key key) {
  return std::string(proc_sys) + systemd_identity(key);
}

ParsedFile parse_file(BootModel model, const std::string& file, const std::string& target,
                      std::string_view content) {
  ParsedFile parsed;
  const LineBreaks breaks = model == BootModel::systemd ? LineBreaks::systemd : LineBreaks::lf;
  for (const ConfLine& line : lex_conf(content, breaks)) {
    Directive base;
    base.file = file;
    base.target = target;
    base.line = line.number;
    if (model == BootModel::systemd) {
      parse_systemd_line(parsed, std::move(base), line.text);
    } else {
      // getline() sees "\r\n" as text + '\n': the '\r' is the line's last character.
      std::string text(line.text);
      if (line.ending == "\r\n") {
        text += '\r';
      }
      parse_procps_line(parsed, std::move(base), text, !line.ending.empty());
    }
  }
  if (parsed.unlisted > 0) {
    parsed.warnings.push_back(fmt::format("{}: {} more notes on its lines, like those above, not "
                                          "listed",
                                          file, parsed.unlisted));
  }
  return parsed;
}

// A line that looks meant for one of the keys: the last part of a key's name in it.
bool mentions_a_key(std::string_view text) {
  return text.find("tcp_keepalive") != std::string_view::npos ||
         text.find("tcp_retries2") != std::string_view::npos;
}

} // namespace kaltune
