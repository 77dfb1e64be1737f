#include "config/editor.hpp"

#include "config/boot_rules.hpp"
#include "config/lexer.hpp"

#include <fmt/format.h>

namespace kaltune {

namespace {
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

namespace {
// The key `line_text` assigns explicitly (no glob, with '=') as `model` reads it, or nullopt.
std::optional<Key> reaches(BootModel model, std::string_view line_text) {
  // With its newline, as the applier sees a line in the middle of a file.
  const ParsedFile parsed = parse_file(model, "", "", std::string(line_text) + "\n");
  if (parsed.directives.size() != 1) {
    return std::nullopt;
  }
  const Directive& directive = parsed.directives.front();
  if (!directive.value || directive.glob) {
    return std::nullopt;
  }
  return directive.reaches;
}

bool breaks_for_systemd(std::string_view line_text) {
  // systemd's read_line also ends a line at a lone CR or a NUL: such a line is two for it.
  return line_text.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos;
}
} // namespace

std::optional<Key> assigned_key(std::string_view line_text) {
  if (breaks_for_systemd(line_text)) {
    return std::nullopt;
  }
  const auto systemd = reaches(BootModel::systemd, line_text);
  return systemd && systemd == reaches(BootModel::procps, line_text) ? systemd : std::nullopt;
}

std::optional<Key> assigned_key_by_either(std::string_view line_text) {
  const auto procps = reaches(BootModel::procps, line_text);
  if (procps || breaks_for_systemd(line_text)) {
    return procps;
  }
  return reaches(BootModel::systemd, line_text);
}

bool glob_sets(std::string_view line_text, Key key) {
  for (BootModel model : {BootModel::systemd, BootModel::procps}) {
    for (const Directive& directive :
         parse_file(model, "", "", std::string(line_text) + "\n").directives) {
      if (directive.glob && directive.value && directive.matches[index_of(key)]) {
        return true;
      }
    }
  }
  return false;
}

EditResult set_keys(std::string_view content, const KeyValues& values) {
  const std::vector<ConfLine> lines = lex_conf(content);
  EditResult result;
  std::array<bool, key_count> seen{};
  for (const ConfLine& line : lines) {
    std::string text(line.text);
    if (starts_with_bom(line)) {
      // Both appliers read the mark as part of the key: the line sets nothing; leave it.
      if (auto key = assigned_key(line.text.substr(3)); key && values[index_of(*key)]) {
        result.notes.push_back({line.number, "starts with a UTF-8 byte-order mark, which both "
                                             "appliers read as part of the key: it sets nothing"});
      }
    } else if (line.kind == ConfLine::Kind::assignment) {
      if (auto key = assigned_key(line.text); key && values[index_of(*key)]) {
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
          if (values[index_of(k)] && glob_sets(line.text, k)) {
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
      if (auto key = assigned_key_by_either(line.text); key && keys[index_of(*key)]) {
        result.removed.push_back(line.number);
        continue;
      }
      for (Key k : all_keys) {
        if (keys[index_of(k)] && glob_sets(line.text, k)) {
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
