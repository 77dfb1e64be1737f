// The boot sources besides sysctl.d, as tables: the kernel's parse_args/next_arg and
// process_sysctl_arg (Linux 5.8+), grub-mkconfig's shell assignments, the default BLS entry, and
// tuned 2.20's profile loader, merger and sysctl plugin. The end-to-end behaviour is replayed
// with the real programs in tests/integration/test_boot_sources.cpp.

#include "config/boot.hpp"
#include "config/boot_sources.hpp"

#include <gtest/gtest.h>

#include <map>

namespace kaltune {
namespace {

struct CmdlineCase {
  std::string_view cmdline;
  std::vector<std::pair<std::string, std::optional<std::string>>> params;
};

TEST(KernelCmdline, ParseArgsSplitsAndUnquotesAsTheKernel) {
  using P = std::vector<std::pair<std::string, std::optional<std::string>>>;
  const CmdlineCase cases[] = {
      {"quiet a=b", P{{"quiet", std::nullopt}, {"a", "b"}}},
      {"  a=\"x y\"  b", P{{"a", "x y"}, {"b", std::nullopt}}},
      {"\"a=x y\" c=d", P{{"a", "x y"}, {"c", "d"}}},
      {"a=b=c", P{{"a", "b=c"}}},
      {"a= b", P{{"a", ""}, {"b", std::nullopt}}},
      {"a=1 -- b=2", P{{"a", "1"}}},
      {"a=\"1\"2", P{{"a", "1\"2"}}},
      {"a=\"", P{{"a", ""}}},
      {"a=1\tb=2\nc=3", P{{"a", "1"}, {"b", "2"}, {"c", "3"}}},
      {"a=1\xa0"
       "b=2",
       P{{"a", "1"}, {"b", "2"}}}, // the kernel's isspace includes 0xa0
  };
  for (const CmdlineCase& c : cases) {
    P got;
    for (const KernelParam& p : split_kernel_cmdline(c.cmdline)) {
      got.emplace_back(p.name, p.value);
    }
    EXPECT_EQ(got, c.params) << c.cmdline;
  }
}

TEST(KernelCmdline, SysctlParamsReachOurKeysWithEitherSeparator) {
  const std::pair<std::string_view, std::optional<Key>> cases[] = {
      {"sysctl.net.ipv4.tcp_keepalive_time", Key::time},
      {"sysctl/net/ipv4/tcp_keepalive_intvl", Key::intvl},
      {"sysctl.net/ipv4.tcp_keepalive_probes", Key::probes}, // every '.' becomes '/'
      {"sysctl..net.ipv4.tcp_keepalive_time", Key::time},    // "sys//net/…" opens fine
      {"sysctl.net.ipv4.tcp_keepalive_time.", std::nullopt}, // a trailing '/': ENOTDIR
      {"sysctlnet.ipv4.tcp_keepalive_time", std::nullopt},
      {"net.ipv4.tcp_keepalive_time", std::nullopt},
      {"sysctl.net.ipv6.tcp_keepalive_time", std::nullopt},
      {"sysctl-net.ipv4.tcp_keepalive_time", std::nullopt},
  };
  for (const auto& [name, key] : cases) {
    EXPECT_EQ(kernel_param_key(name), key) << name;
  }
}

TEST(KernelCmdline, AParameterWithoutAValueIsRejected) {
  const auto list =
      cmdline_assignments("sysctl.net.ipv4.tcp_keepalive_time sysctl.net.ipv4.tcp_keepalive_intvl= "
                          "sysctl.net.ipv4.tcp_keepalive_probes=4");
  ASSERT_EQ(list.size(), 3U);
  EXPECT_FALSE(list[0].value);
  EXPECT_FALSE(list[1].value);
  EXPECT_EQ(list[2].value, "4");
}

ConfNode node(std::string path, std::string content) {
  return ConfNode{path, path, NodeKind::regular, std::move(content)};
}

TEST(Grub, DefaultsThenDropInsAsTheShellSourcesThem) {
  const ConfNode grub =
      node("/etc/default/grub", "# comment\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
                                "export GRUB_CMDLINE_LINUX='a=1 b=\"2\"'\n");
  const ConfNode dropin = node("/etc/default/grub.d/x.cfg",
                               "GRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX} c=\\\"3 4\\\"\"\n"
                               "X=1; echo hi\n");
  std::vector<std::string> warnings;
  EXPECT_EQ(grub_cmdline({&grub, &dropin}, warnings), "a=1 b=\"2\" c=\"3 4\" quiet");
  EXPECT_TRUE(warnings.empty());
  const ConfNode subst = node("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"$(cat /x) a=1\"\n");
  grub_cmdline({&subst}, warnings);
  EXPECT_EQ(warnings.size(), 1U);
}

TEST(Bls, TheDefaultPatternPicksTheNewestMatchingEntry) {
  const ConfNode a = node("/boot/loader/entries/deb-6.1.conf", "options root=x sysctl.a=1\n");
  const ConfNode b = node("/boot/loader/entries/deb-6.10.conf", "options root=x\noptions b=2\n");
  const ConfNode c = node("/boot/loader/entries/other.conf", "options c=3\n");
  EXPECT_EQ(bls_default_entry({&a, &b, &c}, nullptr), &c); // "other" sorts after "deb-…"
  const ConfNode loader = node("/boot/loader/loader.conf", "timeout 3\ndefault deb-*\n");
  EXPECT_EQ(bls_default_entry({&a, &b, &c}, &loader), &b); // 6.10 is newer than 6.1
  EXPECT_EQ(bls_options(b), "root=x b=2");
}

TEST(Tuned, IniAsPythonsConfigparserReadsIt) {
  const TunedIni ini = parse_tuned_ini("p", "[main]\ninclude = base # inline\n"
                                            "; comment\n[sysctl]\nnet.ipv4.tcp_keepalive_time=60\n"
                                            "x = a#b\n");
  EXPECT_FALSE(ini.error);
  ASSERT_NE(ini.find("main", "include"), nullptr);
  EXPECT_EQ(ini.find("main", "include")->value, "base");
  EXPECT_EQ(ini.find("sysctl", "x")->value, "a#b");
  EXPECT_EQ(ini.find("sysctl", "net.ipv4.tcp_keepalive_time")->line, 5U);
  EXPECT_TRUE(parse_tuned_ini("p", "a = 1\n").error);               // before any section
  EXPECT_TRUE(parse_tuned_ini("p", "[sysctl]\nno equals\n").error); // tuned refuses the profile
}

TEST(Tuned, IncludedProfilesComeFirstAndTheIncludingOneOverrides) {
  std::map<std::string, ConfNode> files;
  auto add = [&](const std::string& path, const std::string& content) {
    files.emplace(path, node(path, content));
  };
  add("/usr/lib/tuned/base/tuned.conf",
      "[sysctl]\nnet.ipv4.tcp_keepalive_time = 100\nnet.ipv4.tcp_keepalive_probes = 5\n");
  add("/usr/lib/tuned/mine/tuned.conf", "[main]\ninclude=base\n[sysctl]\n"
                                        "net.ipv4.tcp_keepalive_time = 200\n");
  // An /etc profile of the same name that includes it: the /usr/lib one is loaded under it.
  add("/etc/tuned/mine/tuned.conf", "[main]\ninclude=mine\n[sysctl]\n"
                                    "net.ipv4.tcp_keepalive_intvl = \"30\"\n");
  add("/usr/lib/tuned/other/tuned.conf", "[sysctl]\nreplace=1\nnet.ipv4.tcp_keepalive_intvl = 9\n");
  auto find = [&](const std::string& path) -> const ConfNode* {
    const auto it = files.find(path);
    return it == files.end() ? nullptr : &it->second;
  };
  const TunedLoad load = load_tuned_profiles({"mine"}, find);
  ASSERT_FALSE(load.failed);
  ASSERT_EQ(load.options.size(), 3U);
  EXPECT_EQ(load.options[0].name, "net.ipv4.tcp_keepalive_time"); // its place is base's
  EXPECT_EQ(load.options[0].value, "200");
  EXPECT_EQ(load.options[0].file, "/usr/lib/tuned/mine/tuned.conf");
  EXPECT_EQ(load.options[1].value, "5");
  EXPECT_EQ(tuned_unquote(load.options[2].value), "30");
  const TunedLoad replaced = load_tuned_profiles({"mine", "other"}, find);
  ASSERT_EQ(replaced.options.size(), 1U); // replace=1 drops what came before in the unit
  EXPECT_EQ(replaced.options[0].value, "9");
  EXPECT_TRUE(load_tuned_profiles({"missing"}, find).failed);
  EXPECT_FALSE(load_tuned_profiles({"-missing", "base"}, find).failed);
}

TEST(Tuned, ReapplyReadsLinesWithoutPrefixesOrGlobs) {
  const auto lines = tuned_sysctl_lines("# c\n; c\n-net.ipv4.tcp_keepalive_time = 1\n"
                                        "net.ipv4.tcp_keepalive_* = 2\r\n"
                                        " net/ipv4.tcp_keepalive_intvl = 3 \n"
                                        "net.ipv4.tcp_keepalive_probes=4");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].key, Key::intvl);
  EXPECT_EQ(lines[0].line, 5U);
  EXPECT_EQ(lines[0].value, "3");
  EXPECT_EQ(lines[1].key, Key::probes);
}

TEST(Tuned, ReapplyDecidesBetweenAnEtcFileAndTheProfile) {
  ConfTree tree;
  tree.dirs = {
      ConfDir{"/etc/sysctl.d",
              {node("/etc/sysctl.d/99-kaltune.conf", "net.ipv4.tcp_keepalive_time = 100\n")}},
      ConfDir{"/run/sysctl.d", {}}, ConfDir{"/usr/local/lib/sysctl.d", {}},
      ConfDir{"/usr/lib/sysctl.d",
              {node("/usr/lib/sysctl.d/50-v.conf", "net.ipv4.tcp_keepalive_intvl = 10\n")}}};
  tree.sysctl_conf.kind = NodeKind::broken;
  tree.extra = {node("/etc/tuned/active_profile", "p\n"),
                node("/etc/systemd/system/multi-user.target.wants/tuned.service", ""),
                node("/usr/lib/tuned/p/tuned.conf", "[sysctl]\nnet.ipv4.tcp_keepalive_time = 5\n"
                                                    "net.ipv4.tcp_keepalive_intvl = 6\n"
                                                    "net.ipv4.tcp_keepalive_probes = >20\n")};
  BootView view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 100); // /etc is re-applied after the profile
  EXPECT_EQ(view.settings[Key::time].origin,
            "/etc/sysctl.d/99-kaltune.conf:1 (re-applied by tuned)");
  EXPECT_EQ(view.settings[Key::intvl].value, 6); // /usr/lib is not
  EXPECT_EQ(view.settings[Key::intvl].origin, "tuned profile p: /usr/lib/tuned/p/tuned.conf:3");
  EXPECT_EQ(view.settings[Key::probes].value, 20); // ">20" and 9 is in place
  tree.extra.push_back(node("/etc/tuned/tuned-main.conf", "reapply_sysctl = 0\n"));
  view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 5);
  tree.extra.erase(tree.extra.begin() + 1); // tuned.service not enabled: tuned does not act
  view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 100);
  EXPECT_EQ(view.settings[Key::intvl].value, 10);
}

} // namespace
} // namespace kaltune
