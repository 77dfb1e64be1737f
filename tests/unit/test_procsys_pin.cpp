// RealProcSys::pin_net: keys under net. are opened below the directory held at pin time, whatever
// the path names later (in the kernel: whichever namespace the thread enters later).

#include "sys/procsys.hpp"

#include "base/error.hpp"

#include "../common/temp_root.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace kaltune {
namespace {

TEST(PinNet, ReadsAndWritesBelowThePinnedDirectory) {
  const test::TempRoot root;
  root.write("net/ipv4/tcp_keepalive_time", "100\n");
  root.write("kernel/other", "1\n");
  RealProcSys proc(root.path());
  proc.pin_net();
  // The path now names another directory: the pinned one is still read and written.
  std::filesystem::rename(root.path() / "net", root.path() / "pinned");
  root.write("net/ipv4/tcp_keepalive_time", "200\n");
  EXPECT_EQ(proc.read("net.ipv4.tcp_keepalive_time"), "100\n");
  proc.write("net/ipv4/tcp_keepalive_time", "300");
  // One write at offset 0 without truncation, as /proc/sys wants: "100\n" becomes "300\n".
  EXPECT_EQ(test::read_file(root.path() / "pinned/ipv4/tcp_keepalive_time"), "300\n");
  EXPECT_EQ(test::read_file(root.path() / "net/ipv4/tcp_keepalive_time"), "200\n");
  EXPECT_EQ(proc.read("kernel.other"), "1\n"); // outside net: by path as before
}

TEST(PinNet, MessagesNameTheProcSysPath) {
  const test::TempRoot root;
  root.write("net/ipv4/tcp_keepalive_time", "100\n");
  RealProcSys proc(root.path());
  proc.pin_net();
  try {
    proc.read("net.ipv4.tcp_keepalive_intvl");
    FAIL() << "no error";
  } catch (const SystemError& error) {
    const std::string expected = (root.path() / "net/ipv4/tcp_keepalive_intvl").string();
    EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find("/proc/self/fd"), std::string::npos) << error.what();
  }
  EXPECT_THROW(RealProcSys(root.path() / "missing").pin_net(), SystemError);
}

} // namespace
} // namespace kaltune
