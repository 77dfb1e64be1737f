#pragma once

// Surgical edits of a sysctl.conf / sysctl.d file (pure: old bytes in, new bytes out). Only the
// bytes of lines that assign one of the three keys change; every other byte, the line endings
// and a missing final newline are kept.
//
// Which lines are "ours" when setting a key K: an assignment that both appliers (systemd-sysctl
// and procps `sysctl --system`, config/boot_rules) read as an explicit write of K — the rules the
// boot view uses, so the file's spelling is kept only where it works for both (dots, slashes, a
// leading slash, one leading '-' "ignore failure" mark, kept). Every such line is updated, so no
// stale duplicate can win. A line that reaches K for one applier only (`--key = v` for procps,
// `key/ = v` for systemd) or for neither (`net.ipv4/tcp_keepalive_time = v`, a first line
// starting with a UTF-8 byte-order mark, a line with a lone CR) is left alone and a working
// `name = value` line is appended after it, so it wins in both. Glob lines
// (`net.ipv4.tcp_keepalive_* = 5`) also set other keys, so they are never edited: they are
// reported, and the boot-view check after writing decides whether they still win. Lines without
// '=' are left alone, "-key" exclusions included (under systemd an exclusion after the last
// assignment cancels it: the boot-view check reports that line). Removing K takes every line
// that either applier would write to K.

#include "base/keepalive.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// A value per key; nullopt leaves the key alone. Same type as core's Request.
using KeyValues = std::array<std::optional<std::int64_t>, key_count>;
// Which keys an edit removes.
using KeySet = std::array<bool, key_count>;
// Every key kaltune knows: what `reset --persist` removes.
constexpr KeySet every_key() {
  KeySet keys{};
  keys.fill(true);
  return keys;
}

// A line the edit deliberately left alone, and why.
struct EditNote {
  std::size_t line = 0;
  std::string message;
};

struct EditResult {
  std::string content;
  std::vector<std::size_t> updated; // lines whose value changed in place (1-based, old numbering)
  std::vector<std::size_t> removed; // lines removed (old numbering)
  std::vector<std::size_t> kept;    // lines assigning a removed key kept, as they set more (noted)
  std::vector<Key> appended;        // keys the file did not assign, appended at the end
  std::vector<EditNote> notes;      // glob lines that also match a key, left as they are
  bool changed = false;             // content differs from the input
};

// Sets every requested key: each assignment of it gets the new value in place (its spelling,
// spacing and '-' mark kept); a key the file does not assign is appended as `name = value`, with
// the file's line ending. A file without a final newline still has none afterwards.
EditResult set_keys(std::string_view content, const KeyValues& values);

// Removes every line assigning one of `keys` (the whole line and its ending), except a line that
// also sets something else for either applier (another key after a lone CR or a NUL): that one
// is kept whole and noted (`kept`), never taken with it.
EditResult remove_keys(std::string_view content, const KeySet& keys);

// The key a line (without its line ending) assigns explicitly as both appliers read it, or
// nullopt (other keys, globs, comments, a spelling only one applier reaches, …).
std::optional<Key> assigned_key(std::string_view line_text);
// Whether a line (without its line ending) is a glob assignment that sets `key` as either applier
// reads it: the boot view's own rule (config/boot_rules), so `net.* = 5` sets nothing.
bool glob_sets(std::string_view line_text, Key key);

// The header of kaltune's own file (/etc/sysctl.d/99-kaltune.conf).
std::string_view own_file_header();
// Whether a file holds nothing but comments and blank lines (kaltune's own file after its keys
// were removed can then be deleted without losing anything).
bool only_comments(std::string_view content);

} // namespace kaltune
