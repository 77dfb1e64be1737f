// The boot view stays bounded whatever the configuration holds: GRUB's shell variables, tuned's
// include chains and profile directories, the lines of sysctl.d files and their number. Each
// bound, when hit, is a diagnostic that says so. The memory figures are in
// tests/bench/boot_bounds.sh.

#include "config/boot.hpp"
#include "config/boot_rules.hpp"
#include "config/boot_sources.hpp"

#include "../common/temp_root.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace kaltune {
namespace {

using test::TempRoot;

ConfNode bound_node(const std::string& path, const std::string& content) {
  return {path, path, NodeKind::regular, content};
}

bool any_has(const std::vector<std::string>& lines, std::string_view text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

TEST(GrubBound, ADoubledVariableStopsAtTheCapNamingTheLine) {
  std::string text = "A=x\n";
  for (int i = 0; i < 40; ++i) {
    text += "A=\"$A$A\"\n"; // 2^40 bytes for a shell
  }
  text += "GRUB_CMDLINE_LINUX=\"$A sysctl.net.ipv4.tcp_keepalive_time=5\"\n";
  const ConfNode grub = bound_node("/etc/default/grub", text);
  std::vector<std::string> warnings;
  const std::string cmdline = grub_cmdline({&grub}, warnings);
  EXPECT_LE(cmdline.size(), 2 * max_grub_shell_bytes + 1);
  // 2^17 > 64 KiB: the 17th doubling, on line 18, is where it stops.
  EXPECT_TRUE(any_has(warnings, "/etc/default/grub:18: A would take the shell variables of "
                                "GRUB's defaults past 65536 bytes"))
      << (warnings.empty() ? "" : warnings[0]);
  EXPECT_TRUE(cmdline_assignments(cmdline).empty()); // what follows the cap is not read
}

TEST(GrubBound, ManyVariablesCountTogether) {
  std::string text = "A=" + std::string(1000, 'x') + "\n";
  for (int i = 0; i < 100; ++i) {
    text += "V" + std::to_string(i) + "=\"$A\"\n";
  }
  const ConfNode grub = bound_node("/etc/default/grub", text);
  std::vector<std::string> warnings;
  grub_cmdline({&grub}, warnings);
  EXPECT_TRUE(any_has(warnings, "/etc/default/grub:66: V64 would take"));
}

TEST(TunedBound, ALongIncludeChainIsRefusedNamingItWithoutRecursion) {
  std::map<std::string, ConfNode> files;
  const int length = 15000;
  for (int i = 0; i < length; ++i) {
    const std::string path = "/usr/lib/tuned/p" + std::to_string(i) + "/tuned.conf";
    files.emplace(path, bound_node(path, i + 1 < length
                                             ? "[main]\ninclude=p" + std::to_string(i + 1) + "\n"
                                             : "[sysctl]\nnet.ipv4.tcp_keepalive_time = 5\n"));
  }
  const TunedLoad load = load_tuned_profiles({"p0"}, [&](const std::string& path) {
    const auto it = files.find(path);
    return it == files.end() ? nullptr : &it->second;
  });
  EXPECT_TRUE(load.failed);
  EXPECT_TRUE(load.options.empty());
  EXPECT_TRUE(any_has(load.warnings, "tuned: the include= chain p0 -> p1 -> p2 -> "));
  EXPECT_TRUE(any_has(load.warnings, "is more than 64 profiles deep"));
}

TEST(TunedBound, ACycleIsNamedAndTunedGoesOn) {
  std::map<std::string, ConfNode> files;
  for (const auto& [name, content] :
       std::map<std::string, std::string>{{"a", "[main]\ninclude=b\n"},
                                          {"b", "[main]\ninclude=a\n[sysctl]\n"
                                                "net.ipv4.tcp_keepalive_time = 5\n"}}) {
    const std::string path = "/usr/lib/tuned/" + name + "/tuned.conf";
    files.emplace(path, bound_node(path, content));
  }
  const TunedLoad load = load_tuned_profiles({"a"}, [&](const std::string& path) {
    const auto it = files.find(path);
    return it == files.end() ? nullptr : &it->second;
  });
  EXPECT_FALSE(load.failed);
  ASSERT_EQ(load.options.size(), 1U);
  EXPECT_TRUE(any_has(load.warnings, "tuned: include= cycle a -> b -> a"));
}

TEST(TunedBound, OnlyTheActiveProfilesChainIsRead) {
  TempRoot root;
  for (int i = 0; i < 50; ++i) {
    root.write("usr/lib/tuned/other" + std::to_string(i) + "/tuned.conf", "[sysctl]\n");
  }
  root.write("usr/lib/tuned/base/tuned.conf", "[sysctl]\nnet.ipv4.tcp_keepalive_time = 5\n");
  root.write("usr/lib/tuned/mine/tuned.conf", "[main]\ninclude=base\n");
  root.write("etc/tuned/active_profile", "mine\n");
  const ConfTree tree = read_boot_tree(root.path());
  std::vector<std::string> read;
  for (const ConfNode& n : tree.extra) {
    if (n.kind == NodeKind::regular && n.path.rfind("/usr/lib/tuned/", 0) == 0) {
      read.push_back(n.path);
    }
  }
  std::sort(read.begin(), read.end());
  EXPECT_EQ(read, (std::vector<std::string>{"/usr/lib/tuned/base/tuned.conf",
                                            "/usr/lib/tuned/mine/tuned.conf"}));
  // An active profile that does not exist: no profile is read at all.
  root.write("etc/tuned/active_profile", "gone\n");
  const ConfTree none = read_boot_tree(root.path());
  EXPECT_FALSE(std::any_of(none.extra.begin(), none.extra.end(), [](const ConfNode& n) {
    return n.kind == NodeKind::regular && n.path.rfind("/usr/lib/tuned/", 0) == 0;
  }));
}

TEST(SysctlBound, LinesThatSetNothingCostOneNoteEachUpToTheCap) {
  std::string content;
  for (int i = 0; i < 100000; ++i) {
    content += "a\n";
  }
  for (BootModel model : {BootModel::systemd, BootModel::procps}) {
    const ParsedFile parsed =
        parse_file(model, "/etc/sysctl.d/a.conf", "/etc/sysctl.d/a.conf", content);
    ASSERT_EQ(parsed.warnings.size(), max_line_notes + 1);
    EXPECT_EQ(parsed.warnings.back(),
              "/etc/sysctl.d/a.conf: 99980 more notes on its lines, like those above, not listed");
  }
}

TEST(SysctlBound, TheTreeIsReadUpToItsCapAndSaysSo) {
  TempRoot root;
  for (std::size_t i = 0; i < max_tree_files + 5; ++i) {
    root.write("usr/lib/sysctl.d/" + std::to_string(10000 + i) + ".conf", "# nothing\n");
  }
  root.write("usr/lib/sysctl.d/99999.conf", "net.ipv4.tcp_keepalive_time = 5\n");
  const ConfTree tree = read_boot_tree(root.path());
  EXPECT_TRUE(any_has(tree.warnings, "/usr/lib/sysctl.d/19999.conf: not read, nor any file after "
                                     "it: the sysctl.d directories hold more than 10000 files"));
  const BootView view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 7200); // 99999.conf was not read, and it says so
  const auto unread = std::find_if(view.files.begin(), view.files.end(), [](const BootFile& f) {
    return f.path == "/usr/lib/sysctl.d/99999.conf";
  });
  ASSERT_NE(unread, view.files.end());
  EXPECT_FALSE(unread->applied);
  EXPECT_NE(unread->note.find("not read"), std::string::npos);
}

} // namespace
} // namespace kaltune
