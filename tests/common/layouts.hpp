#pragma once

// Boot layouts shared by the resolver's unit tests (tests/unit/test_boot.cpp, against the
// recorded outcomes) and the differential tests (tests/integration/test_boot_differential.cpp,
// which replay each layout with the real systemd-sysctl and procps `sysctl --system` and compare
// them with kaltune). The recorded outcomes are what the real appliers did; the differential
// test fails when they stop agreeing with the table.
//
// Layouts hold only the three keepalive keys: the appliers really write them (inside a private
// network namespace), and nothing else may reach the kernel.

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kaltune::layouts {

struct Entry {
  enum class Kind { file, link, dir };
  Kind kind = Kind::file;
  std::string path;    // relative to the root, e.g. "etc/sysctl.d/10-a.conf"
  std::string content; // file contents, or the link target
};

inline Entry file(std::string path, std::string content) {
  return {Entry::Kind::file, std::move(path), std::move(content)};
}
inline Entry link(std::string path, std::string target) {
  return {Entry::Kind::link, std::move(path), std::move(target)};
}
inline Entry dir(std::string path) {
  return {Entry::Kind::dir, std::move(path), ""};
}

using Values = std::array<long, 3>; // time, intvl, probes

struct Layout {
  std::string name;  // a test name: [a-z_]
  std::string rules; // what it covers
  std::vector<Entry> entries;
  Values systemd; // what systemd-sysctl 252 leaves in a fresh namespace
  Values procps;  // what procps 4.0.2 sysctl --system leaves
};

constexpr const char* K_TIME = "net.ipv4.tcp_keepalive_time";
constexpr const char* K_INTVL = "net.ipv4.tcp_keepalive_intvl";
constexpr const char* K_PROBES = "net.ipv4.tcp_keepalive_probes";

inline std::string set(const char* key, const std::string& value) {
  return std::string(key) + " = " + value + "\n";
}

// Writes `layout` under `root`, plus `lib -> usr/lib` as on Debian 12 (merged /usr).
inline void write_layout(const Layout& layout, const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  for (const char* d :
       {"etc/sysctl.d", "run/sysctl.d", "usr/local/lib/sysctl.d", "usr/lib/sysctl.d"}) {
    fs::create_directories(root / d);
  }
  fs::create_directory_symlink("usr/lib", root / "lib");
  for (const Entry& entry : layout.entries) {
    const fs::path path = root / entry.path;
    fs::create_directories(path.parent_path());
    if (entry.kind == Entry::Kind::dir) {
      fs::create_directories(path);
    } else if (entry.kind == Entry::Kind::link) {
      fs::create_symlink(entry.content, path);
    } else {
      std::ofstream out(path, std::ios::binary);
      out << entry.content;
    }
  }
}

inline const std::vector<Layout>& all() {
  static const std::vector<Layout> layouts{
      {"directory_priority",
       "the same name in /etc, /run, /usr/local/lib and /usr/lib: the first directory wins",
       {file("etc/sysctl.d/50-a.conf", set(K_TIME, "601")),
        file("run/sysctl.d/50-a.conf", set(K_TIME, "602") + set(K_INTVL, "32")),
        file("usr/local/lib/sysctl.d/50-a.conf", set(K_TIME, "603") + set(K_PROBES, "3")),
        file("usr/lib/sysctl.d/50-a.conf", set(K_TIME, "604")),
        file("run/sysctl.d/60-b.conf", set(K_INTVL, "33")),
        file("usr/lib/sysctl.d/60-b.conf", set(K_INTVL, "34")),
        file("usr/local/lib/sysctl.d/70-c.conf", set(K_PROBES, "4")),
        file("usr/lib/sysctl.d/70-c.conf", set(K_PROBES, "5"))},
       {601, 33, 4},
       {601, 33, 4}},
      {"file_name_order",
       "winners applied in strcmp order of names across directories: a vendor 99- file beats "
       "an admin 10- file; '9-' sorts after '10-', uppercase before lowercase",
       {file("etc/sysctl.d/10-admin.conf", set(K_TIME, "100")),
        file("usr/lib/sysctl.d/99-vendor.conf", set(K_TIME, "900")),
        file("usr/lib/sysctl.d/10-x.conf", set(K_INTVL, "10")),
        file("etc/sysctl.d/9-y.conf", set(K_INTVL, "9")),
        file("etc/sysctl.d/a.conf", set(K_PROBES, "1")),
        file("usr/lib/sysctl.d/Z.conf", set(K_PROBES, "2"))},
       {900, 9, 1},
       {900, 9, 1}},
      {"mask_dev_null",
       "a link to /dev/null in /etc masks the vendor file of the same name",
       {link("etc/sysctl.d/50-vendor.conf", "/dev/null"),
        file("usr/lib/sysctl.d/50-vendor.conf", set(K_TIME, "700") + set(K_INTVL, "70")),
        file("usr/lib/sysctl.d/60-other.conf", set(K_PROBES, "6"))},
       {7200, 75, 6},
       {7200, 75, 6}},
      {"mask_empty_file",
       "an empty file masks the same name in later directories",
       {file("run/sysctl.d/50-vendor.conf", ""),
        file("usr/lib/sysctl.d/50-vendor.conf", set(K_TIME, "700")),
        file("usr/local/lib/sysctl.d/40-x.conf", set(K_INTVL, "41"))},
       {7200, 41, 9},
       {7200, 41, 9}},
      {"only_dot_conf",
       "only names ending in .conf are read",
       {file("etc/sysctl.d/50-x.conf.bak", set(K_TIME, "1")),
        file("etc/sysctl.d/50-x.cnf", set(K_TIME, "2")),
        file("etc/sysctl.d/README", set(K_TIME, "3")),
        file("etc/sysctl.d/50-x.conf~", set(K_TIME, "4")),
        file("etc/sysctl.d/50-x.CONF", set(K_TIME, "5")),
        file("etc/sysctl.d/conf", set(K_TIME, "6")),
        file("usr/lib/sysctl.d/50-y.conf", set(K_TIME, "605"))},
       {605, 75, 9},
       {605, 75, 9}},
      {"hidden_files",
       "hidden files: systemd skips them, procps applies them (even one named .conf)",
       {file("usr/lib/sysctl.d/.hidden.conf", set(K_TIME, "111")),
        file("etc/sysctl.d/.conf", set(K_INTVL, "22")),
        file("etc/sysctl.d/50-visible.conf", set(K_PROBES, "7"))},
       {7200, 75, 7},
       {111, 22, 7}},
      {"relative_symlinks",
       "relative links, to files in other directories and to a name that is not *.conf",
       {file("usr/lib/sysctl.d/keepalive.txt", set(K_TIME, "606")),
        link("etc/sysctl.d/60-link.conf", "../../usr/lib/sysctl.d/keepalive.txt"),
        file("run/kaltune/intvl.conf", set(K_INTVL, "42")),
        link("usr/local/lib/sysctl.d/61-run.conf", "../../../../run/kaltune/intvl.conf")},
       {606, 42, 9},
       {606, 42, 9}},
      {"absolute_symlinks",
       "absolute links resolve inside --root (and against / for the real appliers)",
       {file("run/kaltune/abs.conf", set(K_TIME, "607") + set(K_PROBES, "8")),
        link("etc/sysctl.d/60-abs.conf", "/run/kaltune/abs.conf"),
        link("run/kaltune/chain.conf", "/run/kaltune/abs.conf"),
        link("usr/lib/sysctl.d/70-chain.conf", "/run/kaltune/chain.conf")},
       {607, 75, 8},
       {607, 75, 8}},
      {"broken_symlink",
       "a broken link applies nothing but still hides the same name further down",
       {link("etc/sysctl.d/50-x.conf", "/run/kaltune/missing.conf"),
        file("usr/lib/sysctl.d/50-x.conf", set(K_TIME, "700")),
        link("etc/sysctl.d/60-loop.conf", "60-loop.conf"),
        file("usr/lib/sysctl.d/60-loop.conf", set(K_INTVL, "70")),
        file("usr/lib/sysctl.d/70-y.conf", set(K_PROBES, "2"))},
       {7200, 75, 2},
       {7200, 75, 2}},
      {"dotdot_cannot_escape",
       "'..' in a link target stops at the root: the real / and --root agree",
       {file("run/kaltune/up.conf", set(K_TIME, "608")),
        link("etc/sysctl.d/70-up.conf", "../../../../../../../run/kaltune/up.conf"),
        file("run/kaltune/abs-up.conf", set(K_INTVL, "43")),
        link("etc/sysctl.d/71-abs-up.conf", "/../../run/./kaltune//abs-up.conf")},
       {608, 43, 9},
       {608, 43, 9}},
      {"directory_named_conf",
       "a directory named x.conf applies nothing and hides the same name",
       {dir("etc/sysctl.d/50-x.conf"), file("usr/lib/sysctl.d/50-x.conf", set(K_TIME, "700")),
        file("usr/lib/sysctl.d/51-y.conf", set(K_PROBES, "3"))},
       {7200, 75, 3},
       {7200, 75, 3}},
      {"sysctl_conf_debian_link",
       "/etc/sysctl.conf through Debian's 99-sysctl.conf link; procps applies it again at the "
       "very end, after 99-zz.conf",
       {file("etc/sysctl.conf", set(K_TIME, "500") + set(K_INTVL, "50")),
        link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf"),
        file("etc/sysctl.d/99-zz.conf", set(K_TIME, "609")),
        file("usr/lib/sysctl.d/10-early.conf", set(K_INTVL, "44") + set(K_PROBES, "4"))},
       {609, 50, 4},
       {500, 50, 4}},
      {"sysctl_conf_without_link",
       "without the link systemd never reads /etc/sysctl.conf; procps reads it last",
       {file("etc/sysctl.conf", set(K_INTVL, "51")),
        file("usr/lib/sysctl.d/99-z.conf", set(K_INTVL, "45") + set(K_TIME, "610"))},
       {610, 45, 9},
       {610, 51, 9}},
      {"sysctl_conf_masked",
       "/etc/sysctl.conf linked to /dev/null: procps skips it (not a regular file), the "
       "99-sysctl.conf link then masks the name",
       {link("etc/sysctl.conf", "/dev/null"), link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf"),
        file("usr/lib/sysctl.d/99-sysctl.conf", set(K_TIME, "700")),
        file("usr/lib/sysctl.d/98-x.conf", set(K_PROBES, "5"))},
       {7200, 75, 5},
       {7200, 75, 5}},
      {"comments_and_spacing",
       "# and ; comments (also indented), '=' with any spacing, tabs",
       {file("etc/sysctl.d/50-a.conf", "# comment\n; comment\n   # " + set(K_TIME, "1") + "\t; " +
                                           set(K_INTVL, "1") + "\n" + K_TIME + "=611\n   " +
                                           K_INTVL + "   =   46   \n\t" + K_PROBES + "\t=\t6\t\n#" +
                                           K_PROBES + " = 1\n")},
       {611, 46, 6},
       {611, 46, 6}},
      {"dots_and_slashes",
       "slashes instead of dots; mixed forms swap separators from the first one",
       {file("etc/sysctl.d/50-a.conf", "net/ipv4/tcp_keepalive_time = 612\n"
                                       "net.ipv4/tcp_keepalive_intvl = 47\n"
                                       "net/ipv4.tcp_keepalive_probes = 4\n")},
       {612, 75, 9},
       {612, 75, 9}},
      {"leading_slash",
       "a leading '/' works with slashes; with dots it reaches nothing in either model",
       {file("etc/sysctl.d/50-a.conf", "/net/ipv4/tcp_keepalive_time = 613\n"
                                       "/net.ipv4.tcp_keepalive_intvl = 48\n")},
       {613, 75, 9},
       {613, 75, 9}},
      {"dash_prefix",
       "'-key = value' ignores failures; '- key' with a blank only works in systemd",
       {file("etc/sysctl.d/50-a.conf",
             "-" + set(K_TIME, "614") + "- " + set(K_INTVL, "49") + "-" + set(K_PROBES, "abc")),
        file("usr/lib/sysctl.d/10-a.conf", set(K_PROBES, "5"))},
       {614, 49, 9},
       {614, 75, 5}},
      {"dash_key_line",
       "'-key' without '=': systemd drops an earlier assignment of the key, procps does not; a "
       "later assignment applies in both",
       {file("etc/sysctl.d/10-a.conf", set(K_TIME, "615") + "-" + K_INTVL + "\n"),
        file("etc/sysctl.d/20-b.conf", std::string("-") + K_TIME + "\n" + set(K_INTVL, "50"))},
       {7200, 50, 9},
       {615, 50, 9}},
      {"glob_basic",
       "a glob sets every key it matches",
       {file("etc/sysctl.d/50-a.conf", "net.ipv4.tcp_keepalive_* = 120\n")},
       {120, 120, 120},
       {120, 120, 120}},
      {"glob_vs_explicit",
       "an explicit key beats a glob wherever it comes, before or after",
       {file("etc/sysctl.d/10-a.conf", set(K_TIME, "616")),
        file("etc/sysctl.d/20-b.conf", "net.ipv4.tcp_keepalive_* = 121\n"),
        file("etc/sysctl.d/30-c.conf", set(K_PROBES, "7"))},
       {616, 121, 7},
       {616, 121, 7}},
      {"glob_exclusions",
       "'-key' excludes a key from globs; '-pattern' excludes nothing in either (procps 4.0.2 "
       "compares exact paths)",
       {file("etc/sysctl.d/50-a.conf", std::string("net.ipv4.tcp_keepalive_* = 122\n-") + K_PROBES +
                                           "\n-net.ipv4.tcp_keepalive_i*\n")},
       {122, 122, 9},
       {122, 122, 9}},
      {"globs_in_sequence",
       "globs in sequence: the later one wins where both match; the same pattern with the same "
       "value again keeps its first place in systemd, procps writes it again",
       {file("etc/sysctl.d/50-a.conf", "net.ipv4.tcp_keepalive_* = 123\n"
                                       "net.ipv4.tcp_keepalive_t* = 617\n"
                                       "net/ipv4/tcp_keepalive_p?obes = 12\n"
                                       "net.ipv4.tcp_keepalive_[p]robes = 13\n"
                                       "net.ipv4.tcp_keepalive_* = 123\n")},
       {617, 123, 13},
       {123, 123, 123}},
      {"respelled_key_vs_glob",
       "a key spelled net..ipv4 still writes in both; only systemd counts it as explicit "
       "against a later glob",
       {file("etc/sysctl.d/10-a.conf", "net..ipv4.tcp_keepalive_time = 618\n"
                                       "/net/ipv4/tcp_keepalive_intvl = 51\n"),
        file("etc/sysctl.d/20-b.conf", "net.ipv4.tcp_keepalive_* = 125\n")},
       {618, 51, 125},
       {125, 125, 125}},
      {"duplicates",
       "duplicates: the last wins; after a rejected last one systemd leaves the default, procps "
       "the previous value",
       {file("etc/sysctl.d/10-a.conf",
             set(K_TIME, "619") + set(K_TIME, "620") + set(K_INTVL, "52") + set(K_INTVL, "52x")),
        file("usr/lib/sysctl.d/10-b.conf", set(K_PROBES, "6")),
        file("usr/lib/sysctl.d/90-c.conf", set(K_PROBES, "256"))},
       {620, 75, 9},
       {620, 52, 6}},
      {"crlf_line_endings",
       "CRLF line endings",
       {file("etc/sysctl.d/50-a.conf",
             std::string("# dos\r\n") + K_TIME + " = 621\r\n" + K_INTVL + "=53\r\n\r\n")},
       {621, 53, 9},
       {621, 53, 9}},
      {"no_final_newline",
       "the last line has no newline",
       {file("etc/sysctl.d/50-a.conf", set(K_TIME, "622") + K_PROBES + " = 6")},
       {622, 75, 6},
       {622, 75, 6}},
      {"byte_order_mark",
       "a UTF-8 BOM becomes part of the first key: that line sets nothing",
       {file("etc/sysctl.d/50-a.conf", "\xEF\xBB\xBF" + set(K_TIME, "623") + set(K_INTVL, "54"))},
       {7200, 54, 9},
       {7200, 54, 9}},
      {"lone_carriage_return",
       "a lone CR ends a line for systemd; procps keeps it in the value, which fails",
       {file("etc/sysctl.d/50-a.conf",
             std::string(K_PROBES) + " = 7\r" + K_INTVL + " = 55\n" + set(K_TIME, "624"))},
       {624, 55, 7},
       {624, 75, 9}},
      {"lines_without_equals",
       "lines without '=' are ignored by both",
       {file("etc/sysctl.d/50-a.conf", std::string(K_TIME) + " 625\n" + K_INTVL + ": 56\n" +
                                           K_PROBES + "\n" + set(K_PROBES, "8"))},
       {7200, 75, 8},
       {7200, 75, 8}},
      {"octal_and_hex",
       "the kernel reads 0300 as octal (192), 0x258 as hex (600), 010 as 8",
       {file("etc/sysctl.d/50-a.conf",
             set(K_TIME, "0300") + set(K_INTVL, "0x258") + set(K_PROBES, "010"))},
       {192, 600, 8},
       {192, 600, 8}},
      {"trailing_words",
       "'600 700' stores 600, '45 # c' 45; '5#x' is rejected",
       {file("etc/sysctl.d/50-a.conf",
             set(K_TIME, "600 700") + set(K_INTVL, "45 # c") + set(K_PROBES, "5#x"))},
       {600, 45, 9},
       {600, 45, 9}},
      {"rejected_values",
       "quotes, words, overflow, out of range: the kernel rejects; what stays differs",
       {file("etc/sysctl.d/10-a.conf", set(K_TIME, "626") + set(K_INTVL, "57")),
        file("etc/sysctl.d/20-b.conf", set(K_TIME, "\"600\"") + set(K_INTVL, "99999999999") +
                                           set(K_PROBES, "300") + set(K_PROBES, "-1"))},
       {7200, 75, 9},
       {626, 57, 9}},
      {"empty_values",
       "'key =' with nothing after it is rejected",
       {file("etc/sysctl.d/10-a.conf", set(K_TIME, "627")),
        file("etc/sysctl.d/20-b.conf", std::string(K_TIME) + " =\n" + K_INTVL + " = \n")},
       {7200, 75, 9},
       {627, 75, 9}},
      {"zero_and_negative",
       "values the kernel takes but the socket API refuses",
       {file("etc/sysctl.d/50-a.conf", set(K_TIME, "-5") + set(K_INTVL, "0") + set(K_PROBES, "0"))},
       {-5, 0, 0},
       {-5, 0, 0}},
      {"same_value_twice",
       "systemd keeps the first of two identical assignments; the value is the same",
       {file("etc/sysctl.d/10-a.conf", set(K_TIME, "628")),
        file("etc/sysctl.d/20-b.conf", set(K_TIME, "629") + set(K_TIME, "628"))},
       {628, 75, 9},
       {628, 75, 9}},
      {"nul_byte",
       "a NUL byte ends a line for systemd; procps ignores the rest of that line",
       {file("etc/sysctl.d/50-a.conf",
             std::string(K_TIME) + " = 631" + std::string("\0", 1) + set(K_INTVL, "58"))},
       {631, 58, 9},
       {631, 75, 9}},
      {"exclusion_cancels_same_pattern",
       "'-pattern' after 'pattern = v': systemd drops the glob assignment, procps keeps it",
       {file("etc/sysctl.d/50-a.conf", "net.ipv4.tcp_keepalive_* = 5\n"
                                       "-net.ipv4.tcp_keepalive_*\n")},
       {7200, 75, 9},
       {5, 5, 5}},
      {"trailing_separator",
       "a trailing '/' (or '.', which becomes one): systemd simplifies it away, procps looks "
       "for a directory and finds none",
       {file("etc/sysctl.d/50-a.conf", "net/ipv4/tcp_keepalive_time/ = 632\n"
                                       "net.ipv4.tcp_keepalive_intvl. = 59\n")},
       {632, 59, 9},
       {7200, 75, 9}},
      {"kaltune_dropin_overridden",
       "/etc/sysctl.d/99-kaltune.conf sorts before Debian's 99-sysctl.conf link and a vendor "
       "99-zz file: both beat it",
       {file("etc/sysctl.d/99-kaltune.conf",
             set(K_TIME, "600") + set(K_INTVL, "30") + set(K_PROBES, "4")),
        file("etc/sysctl.conf", set(K_TIME, "900")),
        link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf"),
        file("usr/lib/sysctl.d/99-zz-vendor.conf", set(K_INTVL, "20"))},
       {900, 20, 4},
       {900, 20, 4}},
      {"double_dash",
       "'--key = value': procps strips a second dash, systemd does not",
       {file("etc/sysctl.d/50-a.conf", "-" + std::string("-") + set(K_TIME, "630"))},
       {7200, 75, 9},
       {630, 75, 9}},
  };
  return layouts;
}

} // namespace kaltune::layouts
