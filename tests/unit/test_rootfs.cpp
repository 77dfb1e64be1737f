#include "sys/rootfs.hpp"

#include "core/error.hpp"
#include "temp_root.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

using test::TempRoot;

TEST(ResolveInRoot, PlainPath) {
  TempRoot root;
  root.write("etc/sysctl.conf", "x");
  const RootedPath out = resolve_in_root(root.path(), "/etc/sysctl.conf");
  EXPECT_EQ(out.system, "/etc/sysctl.conf");
  EXPECT_EQ(out.host, root.path() / "etc/sysctl.conf");
  EXPECT_TRUE(out.exists);
  EXPECT_FALSE(out.through_symlink);
}

TEST(ResolveInRoot, AbsoluteAndRelativeLinksStayInsideTheRoot) {
  TempRoot root;
  root.write("etc/sysctl.conf", "x");
  std::filesystem::create_directories(root.path() / "etc/sysctl.d");
  std::filesystem::create_symlink("../sysctl.conf", root.path() / "etc/sysctl.d/99-sysctl.conf");
  std::filesystem::create_symlink("/etc/sysctl.d/99-sysctl.conf", root.path() / "etc/abs.conf");
  for (const char* path : {"/etc/sysctl.d/99-sysctl.conf", "/etc/abs.conf"}) {
    const RootedPath out = resolve_in_root(root.path(), path);
    EXPECT_EQ(out.system, "/etc/sysctl.conf") << path;
    EXPECT_EQ(out.host, root.path() / "etc/sysctl.conf");
    EXPECT_TRUE(out.exists);
    EXPECT_TRUE(out.through_symlink);
  }
}

TEST(ResolveInRoot, DotDotNeverClimbsAboveTheRoot) {
  TempRoot root;
  root.write("etc/x.conf", "x");
  std::filesystem::create_symlink("../../../../../etc/x.conf", root.path() / "etc/up.conf");
  const RootedPath out = resolve_in_root(root.path(), "/etc/up.conf");
  EXPECT_EQ(out.system, "/etc/x.conf");
  EXPECT_EQ(out.host, root.path() / "etc/x.conf");
}

TEST(ResolveInRoot, MaskAndMissingAndLoop) {
  TempRoot root;
  std::filesystem::create_directories(root.path() / "etc/sysctl.d");
  std::filesystem::create_symlink("/dev/null", root.path() / "etc/sysctl.d/99-kaltune.conf");
  EXPECT_EQ(resolve_in_root(root.path(), "/etc/sysctl.d/99-kaltune.conf").system, "/dev/null");
  const RootedPath missing = resolve_in_root(root.path(), "/etc/sysctl.d/nothing.conf");
  EXPECT_FALSE(missing.exists);
  EXPECT_EQ(missing.host, root.path() / "etc/sysctl.d/nothing.conf");
  std::filesystem::create_symlink("b", root.path() / "etc/a");
  std::filesystem::create_symlink("a", root.path() / "etc/b");
  EXPECT_THROW(resolve_in_root(root.path(), "/etc/a"), Error);
}

} // namespace
} // namespace kaltune
