// The boot-view resolver: the recorded outcomes of every shared layout for both models (written
// under a temporary root and read through the conftree seam), and tables for the pure rules.

#include "../common/layouts.hpp"
#include "config/boot.hpp"
#include "config/boot_rules.hpp"

#include "../common/temp_root.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace kaltune {
namespace {

namespace fs = std::filesystem;

using test::TempRoot;

std::array<long, 3> values(const BootView& view) {
  return {static_cast<long>(view.settings[Key::time].value),
          static_cast<long>(view.settings[Key::intvl].value),
          static_cast<long>(view.settings[Key::probes].value)};
}

TEST(BootLayouts, EveryRecordedOutcomeForBothModels) {
  for (const auto& layout : layouts::all()) {
    TempRoot root;
    layouts::write_layout(layout, root.path());
    EXPECT_EQ(values(resolve_boot(root.path(), BootModel::systemd)), layout.systemd)
        << "systemd: " << layout.name << ": " << layout.rules;
    EXPECT_EQ(values(resolve_boot(root.path(), BootModel::procps)), layout.procps)
        << "procps: " << layout.name << ": " << layout.rules;
  }
}

ConfNode file(std::string path, std::string content) {
  return ConfNode{path, path, NodeKind::regular, std::move(content)};
}

ConfTree tree(std::vector<ConfNode> etc, std::vector<ConfNode> usr_lib = {},
              ConfNode sysctl_conf = {"/etc/sysctl.conf", "/etc/sysctl.conf", NodeKind::broken,
                                      ""}) {
  ConfTree out;
  out.dirs = {{"/etc/sysctl.d", std::move(etc)}, {"/usr/lib/sysctl.d", std::move(usr_lib)}};
  out.sysctl_conf = std::move(sysctl_conf);
  return out;
}

TEST(BootResolve, OriginsAndWinner) {
  const BootView view = resolve_boot_tree(
      tree({file("/etc/sysctl.d/99-kaltune.conf", "net.ipv4.tcp_keepalive_time = 600\n")},
           {file("/usr/lib/sysctl.d/10-vendor.conf", "# v\nnet.ipv4.tcp_keepalive_time = 300\n")}),
      BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 600);
  EXPECT_EQ(view.settings[Key::time].origin, "/etc/sysctl.d/99-kaltune.conf:1");
  EXPECT_EQ(view.settings[Key::intvl].origin, "kernel default");
  ASSERT_EQ(view.assignments.size(), 2u);
  EXPECT_EQ(view.assignments[0].origin(), "/usr/lib/sysctl.d/10-vendor.conf:2");
  EXPECT_FALSE(view.assignments[0].winner);
  EXPECT_TRUE(view.assignments[1].winner);
}

TEST(BootResolve, SystemdAppliesOnlyTheLastAssignmentOfAKey) {
  const ConfTree t = tree({file("/etc/sysctl.d/a.conf", "net.ipv4.tcp_keepalive_time = 600\n"
                                                        "net.ipv4.tcp_keepalive_time = 6x\n")});
  const BootView systemd = resolve_boot_tree(t, BootModel::systemd);
  EXPECT_EQ(systemd.settings[Key::time].value, 7200);
  EXPECT_FALSE(systemd.assignments[0].written);
  EXPECT_TRUE(systemd.assignments[1].written);
  EXPECT_FALSE(systemd.assignments[1].value);
  const BootView procps = resolve_boot_tree(t, BootModel::procps);
  EXPECT_EQ(procps.settings[Key::time].value, 600);
  EXPECT_EQ(procps.settings[Key::time].origin, "/etc/sysctl.d/a.conf:1");
}

TEST(BootResolve, WarnsAboutSurprisingAndRejectedValues) {
  const BootView view =
      resolve_boot_tree(tree({file("/etc/sysctl.d/a.conf", "net.ipv4.tcp_keepalive_time = 0300\n"
                                                           "net.ipv4.tcp_keepalive_intvl = \"30\"\n"
                                                           "net.ipv4.tcp_keepalive_probes\n")}),
                        BootModel::procps);
  const std::vector<std::string> expected{
      "/etc/sysctl.d/a.conf:3: not an assignment; procps sysctl ignores the line (\"invalid "
      "syntax\"): net.ipv4.tcp_keepalive_probes",
      "/etc/sysctl.d/a.conf:1: net.ipv4.tcp_keepalive_time = 0300: the kernel reads 0300 as "
      "octal: 192",
      "/etc/sysctl.d/a.conf:2: net.ipv4.tcp_keepalive_intvl = \"30\": \"\"30\"\" is not a "
      "number: the kernel rejects it (EINVAL); the value before it stays"};
  EXPECT_EQ(view.warnings, expected);
}

TEST(BootResolve, SingleFileLeavesOtherKeysAtTheKernelDefault) {
  const BootView view =
      resolve_file(file("/tmp/x.conf", "net.ipv4.tcp_keepalive_intvl = 30\n"), BootModel::systemd);
  EXPECT_EQ(view.settings[Key::intvl].value, 30);
  EXPECT_EQ(view.settings[Key::intvl].origin, "/tmp/x.conf:1");
  EXPECT_EQ(view.settings[Key::time].origin, "kernel default");
}

// Not replayable on Debian 12, where /lib is a link to usr/lib: a separate /lib/sysctl.d.
TEST(BootResolve, OnlyProcpsReadsLibSysctlD) {
  ConfTree t = tree({}, {file("/usr/lib/sysctl.d/x.conf", "net.ipv4.tcp_keepalive_time = 1\n")});
  t.dirs.push_back({"/lib/sysctl.d",
                    {file("/lib/sysctl.d/x.conf", "net.ipv4.tcp_keepalive_time = 2\n"),
                     file("/lib/sysctl.d/y.conf", "net.ipv4.tcp_keepalive_intvl = 3\n")}});
  const BootView procps = resolve_boot_tree(t, BootModel::procps);
  EXPECT_EQ(procps.settings[Key::time].origin, "/usr/lib/sysctl.d/x.conf:1");
  EXPECT_EQ(procps.settings[Key::intvl].origin, "/lib/sysctl.d/y.conf:1");
  const BootView systemd = resolve_boot_tree(t, BootModel::systemd);
  EXPECT_EQ(systemd.settings[Key::time].origin, "/usr/lib/sysctl.d/x.conf:1");
  EXPECT_EQ(systemd.settings[Key::intvl].origin, "kernel default");
}

TEST(BootResolve, SystemdSaysWhenItDoesNotReadSysctlConf) {
  const BootView view = resolve_boot_tree(
      tree({}, {}, file("/etc/sysctl.conf", "net.ipv4.tcp_keepalive_time = 60\n")),
      BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 7200);
  ASSERT_EQ(view.warnings.size(), 1u);
  EXPECT_EQ(view.warnings[0], "/etc/sysctl.conf: mentions kaltune's keys, but systemd-sysctl "
                              "does not read it (no sysctl.d link such as Debian's "
                              "/etc/sysctl.d/99-sysctl.conf points to it)");
  ASSERT_EQ(view.files.size(), 1u);
  EXPECT_FALSE(view.files[0].applied);
}

TEST(BootResolve, WhatIfAFileWereWritten) {
  ConfNode link{"/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf", NodeKind::regular, ""};
  const ConfTree before =
      tree({link, file("/etc/sysctl.d/99-zz.conf", "net.ipv4.tcp_keepalive_time = 1\n")}, {},
           file("/etc/sysctl.conf", ""));
  // Through the link: the target's content changes wherever it is read.
  const ConfTree edited =
      with_file(before, "/etc/sysctl.conf", "net.ipv4.tcp_keepalive_intvl = 30\n");
  const BootView view = resolve_boot_tree(edited, BootModel::procps);
  EXPECT_EQ(view.settings[Key::intvl].origin, "/etc/sysctl.conf:1");
  EXPECT_EQ(view.assignments.size(), 3u); // 99-sysctl.conf, 99-zz.conf, then sysctl.conf again
  // A new drop-in joins its directory and, sorting before 99-zz, loses to it.
  const ConfTree added =
      with_file(before, "/etc/sysctl.d/99-kaltune.conf", "net.ipv4.tcp_keepalive_time = 600\n");
  const BootView after = resolve_boot_tree(added, BootModel::systemd);
  EXPECT_EQ(after.settings[Key::time].origin, "/etc/sysctl.d/99-zz.conf:1");
}

TEST(BootModelDetection, SystemdWhenItsApplierExistsUnderTheRoot) {
  TempRoot root;
  EXPECT_EQ(detect_boot_model(root.path()), BootModel::procps);
  fs::create_directories(root.path() / "usr/lib/systemd");
  fs::create_directory_symlink("usr/lib", root.path() / "lib");
  std::ofstream(root.path() / "usr/lib/systemd/systemd-sysctl") << "#!/bin/true\n";
  EXPECT_EQ(detect_boot_model(root.path()), BootModel::systemd);
}

} // namespace
} // namespace kaltune
