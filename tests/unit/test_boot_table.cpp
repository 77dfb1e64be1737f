// The table of boot sources (config/boot_source.hpp) and its newest row, the sysctl.extra
// credential of the next boot's kernel command line, decided on data over trees built here.
// The end-to-end replay with the real systemd-sysctl is in
// tests/integration/test_boot_sources.cpp.

#include "config/boot.hpp"
#include "config/boot_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace kaltune {
namespace {

ConfNode table_node(const std::string& path, const std::string& content) {
  return {path, path, NodeKind::regular, content};
}

ConfTree tree_with(std::vector<ConfNode> extra) {
  ConfTree tree;
  for (const std::string& dir : boot_dirs(BootModel::procps)) {
    tree.dirs.push_back(ConfDir{dir, {}});
  }
  tree.sysctl_conf.kind = NodeKind::broken;
  tree.extra = std::move(extra);
  return tree;
}

bool has_warning(const BootView& view, std::string_view text) {
  return std::any_of(view.warnings.begin(), view.warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

TEST(BootSources, RowsInTheOrderBootAppliesThem) {
  std::vector<BootStage> stages;
  for (const BootSource& source : boot_sources) {
    stages.push_back(source.stage);
    EXPECT_EQ(&boot_source(source.stage), &source);
    EXPECT_EQ(to_string(source.stage), source.key);
  }
  EXPECT_EQ(stages, (std::vector<BootStage>{BootStage::kernel_cmdline, BootStage::applier,
                                            BootStage::cmdline_credential, BootStage::credential,
                                            BootStage::tuned_profile, BootStage::tuned_reapply}));
}

TEST(CmdlineCredential, AGlobOnTheNextBootsCommandLineSetsEveryKeyItMatches) {
  const BootView view = resolve_boot_tree(
      tree_with({table_node(
          "/etc/kernel/cmdline",
          "root=/dev/sda systemd.set_credential=sysctl.extra:net.ipv4.tcp_keepalive_*=77\n")}),
      BootModel::systemd);
  for (Key key : all_keys) {
    if (sysctl_name(key).rfind("net.ipv4.tcp_keepalive_", 0) != 0) {
      continue; // the glob reaches only the keys whose names match it
    }
    EXPECT_EQ(view.settings[key].value, 77) << sysctl_name(key);
    EXPECT_EQ(view.settings[key].origin,
              "/etc/kernel/cmdline: systemd.set_credential=sysctl.extra:1");
  }
  const auto winner = std::find_if(view.assignments.begin(), view.assignments.end(),
                                   [](const BootAssignment& a) { return a.winner; });
  ASSERT_NE(winner, view.assignments.end());
  EXPECT_EQ(winner->stage, BootStage::cmdline_credential);
  EXPECT_TRUE(winner->glob);
  EXPECT_EQ(winner->target, "/etc/kernel/cmdline");
  // procps has no credential.
  const BootView procps = resolve_boot_tree(
      tree_with(
          {table_node("/etc/kernel/cmdline",
                      "systemd.set_credential=sysctl.extra:net.ipv4.tcp_keepalive_time=77\n")}),
      BootModel::procps);
  EXPECT_EQ(procps.settings[Key::time].value, 7200);
}

TEST(CmdlineCredential, ItWinsOverThisBootsRunCredentialAndAfterEveryFile) {
  ConfTree tree = tree_with(
      {table_node("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"systemd.set-credential=sysctl.extra:"
                                       "net.ipv4.tcp_keepalive_time=5\"\n"),
       table_node("/run/credentials/@system/sysctl.extra", "net.ipv4.tcp_keepalive_time = 6\n"
                                                           "net.ipv4.tcp_keepalive_intvl = 7\n")});
  tree.dirs[0].entries.push_back(
      table_node("/etc/sysctl.d/99-kaltune.conf", "net.ipv4.tcp_keepalive_time = 600\n"));
  const BootView view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 5);
  EXPECT_EQ(view.settings[Key::intvl].value, 75); // this boot's /run credential is not the next's
  const auto step = std::find_if(view.steps.begin(), view.steps.end(), [](const BootStep& s) {
    return s.stage == BootStage::credential;
  });
  ASSERT_NE(step, view.steps.end());
  EXPECT_FALSE(step->active);
  // Without it on the command line, this boot's credential stands for the next boot's.
  tree.extra.erase(tree.extra.begin());
  EXPECT_EQ(resolve_boot_tree(tree, BootModel::systemd).settings[Key::intvl].value, 7);
}

TEST(CmdlineCredential, SystemdKeepsTheFirstAndKnowsTheBinaryFormFrom254) {
  // "net.ipv4.tcp_keepalive_time=9\nnet.ipv4.tcp_keepalive_intvl=8\n"
  const std::string base64 = "bmV0LmlwdjQudGNwX2tlZXBhbGl2ZV90aW1lPTkKbmV0LmlwdjQudGNwX2tlZXBh"
                             "bGl2ZV9pbnR2bD04Cg==";
  ConfTree tree = tree_with(
      {table_node("/etc/kernel/cmdline", "systemd.set_credential_binary=sysctl.extra:" + base64 +
                                             " systemd.set_credential=sysctl.extra:"
                                             "net.ipv4.tcp_keepalive_time=1\n")});
  tree.listings.push_back(
      ConfListing{"/usr/lib/x86_64-linux-gnu/systemd", {"libsystemd-shared-254.so"}});
  BootView view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 9);
  EXPECT_EQ(view.settings[Key::intvl].value, 8);
  EXPECT_EQ(view.settings[Key::intvl].origin,
            "/etc/kernel/cmdline: systemd.set_credential_binary=sysctl.extra:2");
  EXPECT_TRUE(has_warning(view, "sysctl.extra is set again; systemd keeps the first"));
  // systemd 252 (Debian 12) ignores the binary form: the text one is the first it imports.
  tree.listings[0].names = {"libsystemd-core-252.so", "libsystemd-shared-252.so"};
  view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 1);
  EXPECT_EQ(view.settings[Key::intvl].value, 75);
  EXPECT_TRUE(has_warning(view, "systemd 252 does not know this parameter (systemd 254 added it)"));
  // Not known: taken as known, and said.
  tree.listings.clear();
  view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 9);
  EXPECT_TRUE(has_warning(view, "the version of systemd is not known"));
}

TEST(CmdlineCredential, NothingImportedWithImportCredentialsNoOrBadBase64) {
  ConfTree tree = tree_with({table_node(
      "/etc/kernel/cmdline", "systemd.set_credential=sysctl.extra:"
                             "net.ipv4.tcp_keepalive_time=1 systemd.import_credentials=no\n")});
  BootView view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 7200);
  EXPECT_TRUE(has_warning(view, "systemd.import_credentials=no"));
  tree.extra[0].content = "systemd.set_credential_binary=sysctl.extra:bm*=\n";
  tree.listings.push_back(ConfListing{"/usr/lib/systemd", {"libsystemd-shared-255.so"}});
  view = resolve_boot_tree(tree, BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 7200);
  EXPECT_TRUE(has_warning(view, "not valid Base64"));
  // "rd." parameters are the initrd's; other credentials are not sysctl.extra.
  tree.extra[0].content = "rd.systemd.set_credential=sysctl.extra:net.ipv4.tcp_keepalive_time=1 "
                          "systemd.set_credential=sysctl.extras:net.ipv4.tcp_keepalive_time=2\n";
  EXPECT_EQ(resolve_boot_tree(tree, BootModel::systemd).settings[Key::time].value, 7200);
}

} // namespace
} // namespace kaltune
