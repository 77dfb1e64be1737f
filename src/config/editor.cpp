#include "config/editor.hpp"

#include "config/lexer.hpp"

#include <fmt/format.h>

#include <fnmatch.h>

namespace kaltune {

namespace {
std::string_view without_ignore_mark(std::string_view key_text) {
  if (!key_text.empty() && key_text.front() == '-') {
    key_text.remove_prefix(1);
  }
  return key_text;
}

bool is_glob(std::string_view key_text) {
  return key_text.find_first_of("*?[") != std::string_view::npos;
}

bool starts_with_bom(const ConfLine& line) {
  return line.number == 1 && line.kind == ConfLine::Kind::assignment &&
         line.text.substr(0, 3) == "\xEF\xBB\xBF";
}

EditNote glob_note(const ConfLine& line, Key key) {
  return {line.number, fmt::format("glob '{}' also sets {}; kaltune leaves glob lines as they are",
                                   line.key(), sysctl_name(key))};
}

// The line ending new lines get: the file's own (its first line's), "\n" for a new file.
std::string_view file_ending(const std::vector<ConfLine>& lines) {
  for (const ConfLine& line : lines) {
    if (!line.ending.empty()) {
      return line.ending;
    }
  }
  return "\n";
}
} // namespace

std::optional<Key> assigned_key(std::string_view key_text) {
  const std::string_view key = without_ignore_mark(key_text);
  if (is_glob(key)) {
    return std::nullopt;
  }
  return key_from_sysctl_name(key);
}

bool glob_matches(std::string_view key_text, Key key) {
  const std::string_view pattern = without_ignore_mark(key_text);
  if (!is_glob(pattern)) {
    return false;
  }
  return ::fnmatch(normalize_sysctl_name(pattern).c_str(), std::string(sysctl_name(key)).c_str(),
                   0) == 0;
}

EditResult set_keys(std::string_view content, const KeyValues& values) {
  const std::vector<ConfLine> lines = lex_conf(content);
  EditResult result;
  std::array<bool, key_count> seen{};
  for (const ConfLine& line : lines) {
    std::string text(line.text);
    if (starts_with_bom(line)) {
      // Both appliers read the mark as part of the key: the line sets nothing; leave it.
      if (auto key = assigned_key(line.key()); key && values[index_of(*key)]) {
        result.notes.push_back({line.number, "starts with a UTF-8 byte-order mark, which both "
                                             "appliers read as part of the key: it sets nothing"});
      }
    } else if (line.kind == ConfLine::Kind::assignment) {
      if (auto key = assigned_key(line.key()); key && values[index_of(*key)]) {
        seen[index_of(*key)] = true;
        const std::string number = fmt::format("{}", *values[index_of(*key)]);
        if (line.value() != number) {
          // "key =" with no value gets a space after '=', to keep the file readable.
          const bool bare = line.value().empty() && text[line.value_begin - 1] == '=';
          text.replace(line.value_begin, line.value_end - line.value_begin,
                       fmt::format("{}{}", bare ? " " : "", number));
          result.updated.push_back(line.number);
        }
      } else {
        for (Key k : all_keys) {
          if (values[index_of(k)] && glob_matches(line.key(), k)) {
            result.notes.push_back(glob_note(line, k));
          }
        }
      }
    }
    result.content += text;
    result.content += line.ending;
  }
  const std::string_view ending = file_ending(lines);
  const bool final_newline = lines.empty() || !lines.back().ending.empty();
  std::string appended;
  for (Key key : all_keys) {
    if (values[index_of(key)] && !seen[index_of(key)]) {
      if (!appended.empty() || (!final_newline && !lines.empty())) {
        appended += ending;
      }
      appended += fmt::format("{} = {}", sysctl_name(key), *values[index_of(key)]);
      result.appended.push_back(key);
    }
  }
  if (!appended.empty() && final_newline) {
    appended += ending;
  }
  result.content += appended;
  result.changed = result.content != content;
  return result;
}

EditResult remove_keys(std::string_view content, const KeySet& keys) {
  EditResult result;
  for (const ConfLine& line : lex_conf(content)) {
    if (line.kind == ConfLine::Kind::assignment) {
      if (auto key = assigned_key(line.key()); key && keys[index_of(*key)]) {
        result.removed.push_back(line.number);
        continue;
      }
      for (Key k : all_keys) {
        if (keys[index_of(k)] && glob_matches(line.key(), k)) {
          result.notes.push_back(glob_note(line, k));
        }
      }
    }
    result.content += line.text;
    result.content += line.ending;
  }
  result.changed = result.content != content;
  return result;
}

std::string_view own_file_header() {
  return "# Managed by kaltune: TCP keepalive values applied at boot.\n"
         "# Change them with `kaltune set --persist`, remove them with `kaltune reset --persist`.\n"
         "# kaltune rewrites only the net.ipv4.tcp_keepalive_* lines and keeps any other line.\n";
}

bool only_comments(std::string_view content) {
  for (const ConfLine& line : lex_conf(content)) {
    if (line.kind != ConfLine::Kind::blank && line.kind != ConfLine::Kind::comment) {
      return false;
    }
  }
  return true;
}

} // namespace kaltune
