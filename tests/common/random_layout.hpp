#pragma once

// Random boot layouts for property tests against the real appliers (the boot view's
// differential test, persist's "exit 0 means boot applies it"): the ingredients of
// tests/common/layouts.hpp mixed by a seeded generator, so a failure can be replayed by its seed.

#include "layouts.hpp"

#include <iterator>
#include <random>
#include <set>
#include <string>

namespace kaltune::layouts {

// Random layouts from the same ingredients (spellings, prefixes, values, line endings, masks,
// links, hidden names, /etc/sysctl.conf), a fixed list of seeds so a failure can be replayed.
inline Layout random_layout(unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&rng](const auto& options) { return options[rng() % std::size(options)]; };
  const char* const dirs[] = {"etc/sysctl.d/", "run/sysctl.d/", "usr/local/lib/sysctl.d/",
                              "usr/lib/sysctl.d/"};
  const char* const names[] = {"10-a.conf", "50-b.conf", "50-b.conf",      "99-z.conf", ".h.conf",
                               "a.conf",    "Z.conf",    "99-sysctl.conf", "x.txt"};
  const char* const keys[] = {"net.ipv4.tcp_keepalive_time",    "net.ipv4.tcp_keepalive_intvl",
                              "net.ipv4.tcp_keepalive_probes",  "net/ipv4/tcp_keepalive_time",
                              "/net/ipv4/tcp_keepalive_intvl",  "/net.ipv4.tcp_keepalive_probes",
                              "net..ipv4.tcp_keepalive_time",   "net.ipv4.tcp_keepalive_*",
                              "net.ipv4.tcp_keepalive_[pt]*",   "net/ipv4/tcp_keepalive_?ntvl",
                              "net.ipv4.tcp_keepalive_probes.", "net.ipv4/tcp_keepalive_time",
                              "net.ipv4.tcp_retries2",          "net/ipv4/tcp_retries2"};
  const char* const prefixes[] = {"", "", "", "-", "- ", "--", " ", "\t", "# ", "\xEF\xBB\xBF"};
  const char* const values[] = {"600",         "30",    "5",    "0300", "0x258", "600 700",
                                "abc",         "\"5\"", "",     "0",    "256",   "-1",
                                "99999999999", "08",    "7200", "75",   "9"};
  const char* const separators[] = {" = ", "=", "  =\t", " ="};
  const char* const endings[] = {"\n", "\n", "\n", "\r\n", "\r"};
  Layout layout{
      "random_" + std::to_string(seed), "random layout, seed " + std::to_string(seed), {}, {}, {}};
  std::set<std::string> used;
  const unsigned files = 1 + rng() % 5;
  for (unsigned f = 0; f < files; ++f) {
    const std::string path = std::string(pick(dirs)) + pick(names);
    if (!used.insert(path).second) {
      continue;
    }
    const unsigned kind = rng() % 20;
    if (kind == 0) {
      layout.entries.push_back(layouts::link(path, "/dev/null"));
      continue;
    }
    if (kind == 1) {
      layout.entries.push_back(layouts::file(path, ""));
      continue;
    }
    if (kind == 2) {
      layout.entries.push_back(layouts::link(path, "/run/kaltune/missing.conf"));
      continue;
    }
    std::string content;
    const unsigned lines = 1 + rng() % 5;
    for (unsigned l = 0; l < lines; ++l) {
      const std::string key = std::string(pick(prefixes)) + pick(keys);
      content +=
          rng() % 8 == 0 ? "-" + std::string(pick(keys)) : key + pick(separators) + pick(values);
      content += (l + 1 == lines && rng() % 4 == 0) ? "" : pick(endings);
    }
    if (kind == 3) {
      const std::string target = "run/kaltune/" + std::to_string(f) + ".conf";
      layout.entries.push_back(layouts::file(target, content));
      layout.entries.push_back(layouts::link(path, "/" + target));
    } else {
      layout.entries.push_back(layouts::file(path, content));
    }
  }
  if (rng() % 3 == 0) {
    layout.entries.push_back(
        layouts::file("etc/sysctl.conf", std::string(pick(keys)) + " = " + pick(values) + "\n"));
    if (rng() % 2 == 0 && used.insert("etc/sysctl.d/99-sysctl.conf").second) {
      layout.entries.push_back(layouts::link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf"));
    }
  }
  return layout;
}

} // namespace kaltune::layouts
