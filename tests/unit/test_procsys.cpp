// sys/procsys: a sysctl name becomes a path under /proc/sys only when it cannot leave it.

#include "sys/procsys.hpp"

#include "../common/temp_root.hpp"
#include "base/error.hpp"
#include "base/text.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace kaltune {
namespace {

using test::TempRoot;

TEST(SysctlPath, DotsSlashesAndOneLeadingSlash) {
  const std::filesystem::path base = "/proc/sys";
  EXPECT_EQ(sysctl_path(base, "net.ipv4.tcp_keepalive_time"),
            "/proc/sys/net/ipv4/tcp_keepalive_time");
  EXPECT_EQ(sysctl_path(base, "net/ipv4/tcp_keepalive_intvl"),
            "/proc/sys/net/ipv4/tcp_keepalive_intvl");
  EXPECT_EQ(sysctl_path(base, "/net/ipv4/tcp_keepalive_probes"),
            "/proc/sys/net/ipv4/tcp_keepalive_probes");
  EXPECT_EQ(sysctl_path(base, "net.ipv4.conf.eth-0.rp_filter"),
            "/proc/sys/net/ipv4/conf/eth-0/rp_filter");
}

TEST(SysctlPath, NamesThatWouldLeaveProcSysAreRefused) {
  const std::string refused[] = {
      "",
      "/",
      ".",
      "..",
      "../etc/passwd",
      "net/../../etc/passwd",
      "net/ipv4/../../../etc",
      "net..ipv4",
      "net//ipv4",
      "//net/ipv4/tcp_keepalive_time",
      "net.ipv4.tcp_keepalive_time.",
      "net/ipv4/tcp_keepalive_time/",
      "net.ipv4/tcp_keepalive_time", // mixed: "net.ipv4" is one component with a dot
      "net/ipv4/tcp keepalive",
      "net/ipv4/tcp_keepalive_*",
      std::string("net/ipv4\0/x", 11),
      "net\\ipv4",
  };
  for (const std::string& name : refused) {
    SCOPED_TRACE(name);
    try {
      sysctl_path("/proc/sys", name);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), ExitStatus::usage);
      EXPECT_EQ(std::string(e.what()), "invalid sysctl name '" + printable(name) + "'");
    }
  }
}

// The real seam over a directory standing in for /proc/sys: a refused name touches nothing.
TEST(RealProcSys, RefusedNamesNeverReachTheFileSystem) {
  TempRoot root;
  root.write("sys/net/ipv4/tcp_keepalive_time", "7200\n");
  root.write("sys/net/ipv4/tcp_keepalive_intvl", "");
  root.write("secret", "keep\n");
  RealProcSys proc(root.path() / "sys");
  EXPECT_EQ(proc.read("net.ipv4.tcp_keepalive_time"), "7200\n");
  proc.write("net/ipv4/tcp_keepalive_intvl", "60");
  EXPECT_EQ(root.read("sys/net/ipv4/tcp_keepalive_intvl"), "60");
  EXPECT_THROW(proc.read("../secret"), Error);
  EXPECT_THROW(proc.write("../secret", "0"), Error);
  EXPECT_THROW(proc.write("net/../../secret", "0"), Error);
  EXPECT_EQ(root.read("secret"), "keep\n");
  try {
    proc.read("net.ipv4.missing");
    ADD_FAILURE() << "read a missing sysctl";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.error_number(), ENOENT);
  }
}

} // namespace
} // namespace kaltune
