// The seam under --root: symlinks resolve inside the root, never on the host.

#include "sys/conftree.hpp"
#include "sys/io.hpp"

#include "../common/temp_root.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace kaltune {
namespace {

namespace fs = std::filesystem;

using test::TempRoot;

TEST(ConfTreeSeam, SymlinksNeverLeaveTheRoot) {
  TempRoot root;
  fs::create_directories(root.path() / "etc/sysctl.d");
  fs::create_directories(root.path() / "run");
  std::ofstream(root.path() / "run/x.conf") << "inside\n";
  fs::create_symlink("/run/x.conf", root.path() / "etc/sysctl.d/abs.conf");
  fs::create_symlink("../../../../../../run/x.conf", root.path() / "etc/sysctl.d/up.conf");
  fs::create_symlink("/etc/passwd", root.path() / "etc/sysctl.d/host.conf");
  const ConfNode abs = read_conf_node(root.path(), "/etc/sysctl.d/abs.conf");
  EXPECT_EQ(abs.content, "inside\n");
  EXPECT_EQ(abs.target, "/run/x.conf");
  EXPECT_EQ(read_conf_node(root.path(), "/etc/sysctl.d/up.conf").content, "inside\n");
  const ConfNode host = read_conf_node(root.path(), "/etc/sysctl.d/host.conf");
  EXPECT_EQ(host.kind, NodeKind::broken); // the root has no /etc/passwd; the host's is not read
  EXPECT_EQ(host.target, "/etc/passwd");
}

// A link's target is read whole whatever lstat says of its size: a long one (the buffer grows)
// resolves inside the root, and /proc's links (st_size 0) read in full.
TEST(ConfTreeSeam, LongLinkTargetsAreReadWhole) {
  TempRoot root;
  fs::create_directories(root.path() / "etc/sysctl.d");
  fs::create_directories(root.path() / "run");
  std::ofstream(root.path() / "run/x.conf") << "inside\n";
  std::string target = "/run";
  while (target.size() < 3000) {
    target += "/.";
  }
  target += "/x.conf";
  fs::create_symlink(target, root.path() / "etc/sysctl.d/long.conf");
  EXPECT_EQ(read_link(root.path() / "etc/sysctl.d/long.conf"), target);
  const ConfNode node = read_conf_node(root.path(), "/etc/sysctl.d/long.conf");
  EXPECT_EQ(node.content, "inside\n");
  EXPECT_EQ(node.target, "/run/x.conf"); // the resolved path
  EXPECT_EQ(read_link("/proc/self/cwd"), fs::current_path().string());
  EXPECT_EQ(read_link(root.path() / "run/x.conf"), std::nullopt); // not a link
}

TEST(ConfTreeSeam, LinkToDevNullMasksEvenWithoutDevInTheRoot) {
  TempRoot root;
  fs::create_directories(root.path() / "etc/sysctl.d");
  fs::create_symlink("/dev/null", root.path() / "etc/sysctl.d/m.conf");
  EXPECT_EQ(read_conf_node(root.path(), "/etc/sysctl.d/m.conf").kind, NodeKind::null_device);
}

TEST(ConfTreeSeam, LoopsAreBrokenLinks) {
  TempRoot root;
  fs::create_directories(root.path() / "etc/sysctl.d");
  fs::create_symlink("b.conf", root.path() / "etc/sysctl.d/a.conf");
  fs::create_symlink("a.conf", root.path() / "etc/sysctl.d/b.conf");
  EXPECT_EQ(read_conf_node(root.path(), "/etc/sysctl.d/a.conf").kind, NodeKind::broken);
}

TEST(ConfTreeSeam, ListsOnlyConfNamesAndFollowsALinkedDirectory) {
  TempRoot root;
  fs::create_directories(root.path() / "usr/lib/sysctl.d");
  fs::create_directory_symlink("usr/lib", root.path() / "lib");
  std::ofstream(root.path() / "usr/lib/sysctl.d/a.conf") << "x\n";
  std::ofstream(root.path() / "usr/lib/sysctl.d/README") << "y\n";
  const ConfTree tree = read_conf_tree(root.path(), {"/lib/sysctl.d", "/run/sysctl.d"});
  ASSERT_EQ(tree.dirs.size(), 2u);
  ASSERT_EQ(tree.dirs[0].entries.size(), 1u);
  EXPECT_EQ(tree.dirs[0].entries[0].path, "/lib/sysctl.d/a.conf");
  EXPECT_EQ(tree.dirs[0].entries[0].target, "/usr/lib/sysctl.d/a.conf");
  EXPECT_EQ(tree.dirs[0].entries[0].content, "x\n");
  EXPECT_TRUE(tree.dirs[1].entries.empty());
  EXPECT_EQ(tree.sysctl_conf.kind, NodeKind::broken);
}

// The one meaning of a path given on the command line: under --root inside the root (a relative
// one taken from it), without --root from the current directory.
TEST(ConfTreeSeam, WhatAPathMeansUnderRoot) {
  EXPECT_EQ(system_path_of("/srv/image", "/etc/sysctl.conf"), "/etc/sysctl.conf");
  EXPECT_EQ(system_path_of("/srv/image", "etc/sysctl.conf"), "/etc/sysctl.conf");
  EXPECT_EQ(system_path_of("/", "/etc/sysctl.conf"), "/etc/sysctl.conf");
  EXPECT_EQ(system_path_of("/", "x.conf"), (std::filesystem::current_path() / "x.conf").string());
}

} // namespace
} // namespace kaltune
