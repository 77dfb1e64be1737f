#include "config/editor.hpp"

#include "base/text.hpp"
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

// The line ending new lines get: the file's own (its first line's "\n" or "\r\n"), "\n" for a
// new file. A lone CR ends a line for systemd only: never one kaltune adds.
std::string_view file_ending(const std::vector<ConfLine>& lines) {
  for (const ConfLine& line : lines) {
    if (!line.ending.empty() && line.ending.back() == '\n') {
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

// procps compares the key text of an explicit line with the keys a glob expands to, so a
// spelling with a leading dot does not keep a later glob off the key: not one kaltune edits.
bool leading_dot(std::string_view line_text) {
  const std::vector<ConfLine> lines = lex_conf(line_text);
  if (lines.size() != 1 || lines.front().kind != ConfLine::Kind::assignment) {
    return false;
  }
  std::string_view key = lines.front().key();
  if (!key.empty() && key.front() == '-') {
    key.remove_prefix(1);
  }
  return !key.empty() && key.front() == '.';
}

// The keys a line (one LF-ended line, as procps reads it) assigns explicitly for either applier,
// systemd reading each piece between lone CRs and NULs as a line of its own.
KeySet reached_by_either(std::string_view line_text) {
  KeySet out{};
  if (auto key = reaches(BootModel::procps, line_text)) {
    out[index_of(*key)] = true;
  }
  for (const ConfLine& piece : lex_conf(line_text, LineBreaks::systemd)) {
    if (auto key = reaches(BootModel::systemd, piece.text)) {
      out[index_of(*key)] = true;
    }
  }
  return out;
}
} // namespace

std::optional<Key> assigned_key(std::string_view line_text) {
  if (breaks_for_systemd(line_text) || leading_dot(line_text)) {
    return std::nullopt;
  }
  const auto systemd = reaches(BootModel::systemd, line_text);
  return systemd && systemd == reaches(BootModel::procps, line_text) ? systemd : std::nullopt;
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
  // A line after the last one kaltune edits that either applier still reads as K (a spelling
  // for one applier, a piece after a lone CR or before a NUL, a leading dot): the canonical
  // line appended at the end then comes after it and wins in both.
  std::array<bool, key_count> foreign_after{};
  std::size_t last_start = 0; // where the last line starts in result.content
  KeySet last_reached{};
  for (const ConfLine& line : lines) {
    std::string text(line.text);
    const KeySet reached = reached_by_either(line.text);
    const auto ours = line.kind == ConfLine::Kind::assignment && !starts_with_bom(line)
                          ? assigned_key(line.text)
                          : std::nullopt;
    for (Key k : all_keys) {
      if (reached[index_of(k)] && ours != k) {
        foreign_after[index_of(k)] = true;
      }
    }
    if (starts_with_bom(line)) {
      // Both appliers read the mark as part of the key: the line sets nothing; leave it.
      if (auto key = assigned_key(line.text.substr(3)); key && values[index_of(*key)]) {
        result.notes.push_back({line.number, "starts with a UTF-8 byte-order mark, which both "
                                             "appliers read as part of the key: it sets nothing"});
      }
    } else if (line.kind == ConfLine::Kind::assignment) {
      if (auto key = ours; key && values[index_of(*key)]) {
        seen[index_of(*key)] = true;
        foreign_after[index_of(*key)] = false;
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
    last_start = result.content.size();
    result.content += text;
    result.content += line.ending;
    last_reached = reached;
  }
  const std::string_view ending = file_ending(lines);
  const bool final_newline =
      lines.empty() || (!lines.back().ending.empty() && lines.back().ending.back() == '\n');
  // A last line ended by a lone CR (systemd's line end; procps strips it as a blank) keeps its
  // ending: appended lines go before it when it assigns none of their keys, or else after the LF
  // that completes it (a line after a lone CR would be part of it for procps).
  const bool lone_cr = !lines.empty() && lines.back().ending == "\r";
  bool before_last = lone_cr;
  std::string appended;
  for (Key key : all_keys) {
    if (values[index_of(key)] && (!seen[index_of(key)] || foreign_after[index_of(key)])) {
      appended += fmt::format("{} = {}", sysctl_name(key), *values[index_of(key)]);
      appended += ending;
      result.appended.push_back(key);
      before_last = before_last && !last_reached[index_of(key)];
    }
  }
  if (appended.empty()) {
    // nothing to add
  } else if (before_last) {
    result.content.insert(last_start, appended);
  } else if (lone_cr) {
    result.content += "\n" + appended;
  } else if (!final_newline) {
    // No final newline before, none after: the separator goes in front instead.
    appended.resize(appended.size() - ending.size());
    result.content += std::string(ending) + appended;
  } else {
    result.content += appended;
  }
  result.changed = result.content != content;
  return result;
}

namespace {
// Whether `piece` (one line as `model` reads it) sets nothing but the removed keys: a blank, a
// comment, a line without '=' that excludes nothing, an explicit write of a removed key, or a
// keepalive spelling that reaches no key for this model (`--key = v` for systemd). Another
// key's assignment or exclusion, a glob and a kept keepalive key set something else.
bool sets_only(BootModel model, std::string_view piece, const KeySet& keys) {
  const std::vector<ConfLine> lines = lex_conf(piece);
  if (lines.empty() || lines.front().kind == ConfLine::Kind::blank ||
      lines.front().kind == ConfLine::Kind::comment) {
    return true;
  }
  if (const auto key = reaches(model, piece)) {
    return keys[index_of(*key)];
  }
  const ConfLine& line = lines.front();
  const std::string_view name =
      line.kind == ConfLine::Kind::assignment ? line.key() : trim(line.text, " \t\v\f\r");
  if (line.kind == ConfLine::Kind::other && (name.empty() || name.front() != '-')) {
    return true; // neither applier sets anything from a line without '='
  }
  return !is_glob(name) && mentions_a_key(name);
}

// The first piece of an LF line that sets something besides the removed keys for either applier
// (another key after a lone CR, which systemd reads as a line of its own; a glob; an exclusion),
// or nullopt when the whole line can go without taking anything else with it.
std::optional<std::string_view> other_setting(std::string_view line_text, const KeySet& keys) {
  // procps stops reading a line at a NUL byte.
  const std::string_view procps = line_text.substr(0, line_text.find('\0'));
  if (!sets_only(BootModel::procps, procps, keys)) {
    return procps;
  }
  for (const ConfLine& piece : lex_conf(line_text, LineBreaks::systemd)) {
    if (!sets_only(BootModel::systemd, piece.text, keys)) {
      return piece.text;
    }
  }
  return std::nullopt;
}
} // namespace

EditResult remove_keys(std::string_view content, const KeySet& keys) {
  EditResult result;
  for (const ConfLine& line : lex_conf(content)) {
    // Any line either applier reads as an assignment of a removed key goes whole, also a comment
    // for procps that systemd reads as "# note" and an assignment after a lone CR — unless the
    // line also sets something else for either applier (`vm.x = 1\rnet.ipv4.… = 5`): that stays,
    // with the line, and a note says so.
    const KeySet reached = reached_by_either(line.text);
    std::optional<Key> removes;
    for (Key k : all_keys) {
      if (!removes && reached[index_of(k)] && keys[index_of(k)]) {
        removes = k;
      }
    }
    if (removes) {
      if (const auto other = other_setting(line.text, keys)) {
        result.notes.push_back(
            {line.number,
             fmt::format("assigns {} but also '{}' (systemd ends a line at a lone CR or a NUL): "
                         "left as it is, so as not to remove that too; remove the keepalive "
                         "assignment by hand",
                         sysctl_name(*removes), printable(*other))});
        result.kept.push_back(line.number);
      } else {
        result.removed.push_back(line.number);
        continue;
      }
    }
    if (line.kind == ConfLine::Kind::assignment) {
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
         "# kaltune rewrites only the lines of its keys (tcp_keepalive_*, tcp_retries2), no other "
         "line.\n";
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
