#pragma once

// How each boot-time applier reads one line of a sysctl.d file, and which of the three keys a
// key text reaches. Pure: the model-specific rules of systemd-sysctl (systemd 252,
// src/sysctl/sysctl.c parse_file, sysctl-util.c sysctl_normalize) and procps
// `sysctl --system` (procps 4.0.2, parse_setting_line, setting_new, slashdot).

#include "base/keepalive.hpp"
#include "config/boot.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

// One meaningful line: an assignment ("key = value", "-key = value") or an exclusion ("-key").
struct Directive {
  std::string file;   // as listed by the applier
  std::string target; // the file behind symlinks
  std::size_t line = 0;
  std::string key;                  // as the model reads it, '-' removed, trimmed
  std::optional<std::string> value; // nullopt: an exclusion line ("-key", no '=')
  bool ignore_failure = false;      // "-key = value"
  bool glob = false;                // the key has * ? or [
  // The key's identity for the model's bookkeeping: systemd's normalized key (its hash map key),
  // procps' /proc/sys path (compared as a string when globs look for explicit settings).
  std::string identity;
  std::optional<Key> reaches;            // explicit: the one of our keys the write goes to
  std::array<bool, key_count> matches{}; // glob or exclusion: which of our keys it matches
  std::string origin() const;            // "file:line"
  bool touches(Key key) const;
};

struct ParsedFile {
  std::vector<Directive> directives;
  std::vector<std::string> warnings; // "file:line: what" for lines the model ignores
  std::size_t unlisted = 0;          // notes past max_line_notes, counted only
};

// systemd: dots become slashes (and slashes dots) when the first separator is a dot; then
// redundant slashes and "." components go, and one leading '/'.
std::string systemd_normalize(std::string_view key);
// procps: "/proc/sys/" + key, dots and slashes swapped when the first separator is a dot.
std::string procps_path(std::string_view key);
// The key a systemd normalized key or a procps path writes to, if it is one of ours.
std::optional<Key> systemd_reaches(std::string_view normalized);
std::optional<Key> procps_reaches(std::string_view path);
// systemd's identity of one of our keys ("net/ipv4/tcp_keepalive_time"), procps' path of it.
std::string systemd_identity(Key key);
std::string procps_identity(Key key);
bool is_glob(std::string_view key);
// Whether text names one of kaltune's keys by the last part of its name (tcp_keepalive_*,
// tcp_retries2): a line, file or key meant for them, however it is spelled.
bool mentions_a_key(std::string_view text);

// At most max_line_notes warnings per file, then one that counts the rest: a file of half a
// million lines that set nothing must not cost a message each.
inline constexpr std::size_t max_line_notes = 20;
ParsedFile parse_file(BootModel model, const std::string& file, const std::string& target,
                      std::string_view content);

} // namespace kaltune
