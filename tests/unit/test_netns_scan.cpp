#include "sys/netns_scan.hpp"

#include "../common/temp_root.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <set>
#include <sys/stat.h>

namespace kaltune {
namespace {

TEST(ParseNsfsMounts, OnlyNetworkNamespaceMountsWithUnescapedPaths) {
  const std::string mountinfo =
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "600 25 0:4 net:[4026532345] /run/netns/blue rw shared:5 - nsfs nsfs rw\n"
      "601 25 0:4 net:[4026532400] /var/run/docker/netns/1a2b\\040c rw - nsfs nsfs rw\n"
      "602 25 0:4 mnt:[4026532500] /run/mnt-holder rw - nsfs nsfs rw\n"
      "603 25 0:4 net:[4026532345] /tmp/other\\134name rw master:3 - nsfs nsfs rw\n"
      "604 25 0:4 net:[bad] /run/netns/bad rw - nsfs nsfs rw\n"
      "605 25 0:4 net:[1] /run/netns/nodash rw nsfs nsfs rw\n"
      "garbage\n"
      "606 25 0:4 net:[4026532999] /run/netns/last rw - nsfs nsfs rw";
  const auto mounts = parse_nsfs_mounts(mountinfo);
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[0].mount_point, "/run/netns/blue");
  EXPECT_EQ(mounts[0].ino, 4026532345u);
  EXPECT_EQ(mounts[1].mount_point, "/var/run/docker/netns/1a2b c");
  EXPECT_EQ(mounts[2].mount_point, "/tmp/other\\name");
  EXPECT_EQ(mounts[3].mount_point, "/run/netns/last"); // no final newline
  EXPECT_TRUE(parse_nsfs_mounts("").empty());
}

TEST(ScanNetns, FindsItsOwnNamespaceWithThisProcess) {
  const auto scan = scan_netns();
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/ns/net", &st), 0);
  std::size_t self = 0;
  for (const auto& netns : scan.namespaces) {
    if (netns.self) {
      ++self;
      EXPECT_EQ(netns.id.ino, st.st_ino);
      EXPECT_GE(netns.process_count, 1u);
    }
  }
  EXPECT_EQ(self, 1u);
}

// A mount table far over 64 KiB (a thousand `ip netns add` names make 150 KiB): every mount in
// it is found, none silently cut off at the end. The "proc" is a directory of files: its
// self/ns/net and each mount point are regular files whose inode stands for the namespace's.
TEST(ScanNetns, EveryMountOfALongMountTableIsFound) {
  test::TempRoot proc;
  const auto self = proc.write("self/ns/net", "");
  std::string mountinfo;
  std::set<std::uint64_t> expected;
  for (int i = 0; i < 1500; ++i) {
    const auto point =
        proc.write(fmt::format("run/netns/a-rather-long-namespace-name-{:04}", i), "");
    struct stat st {};
    ASSERT_EQ(::stat(point.c_str(), &st), 0);
    expected.insert(st.st_ino);
    mountinfo += fmt::format("{} 25 0:4 net:[{}] {} rw,nosuid,nodev shared:5 - nsfs nsfs rw\n",
                             600 + i, st.st_ino, point.string());
  }
  ASSERT_GT(mountinfo.size(), 3u * 65536u);
  proc.write("self/mountinfo", mountinfo);
  const NetnsScan scan = scan_netns(proc.path().string());
  std::set<std::uint64_t> found;
  for (const FoundNetns& netns : scan.namespaces) {
    if (!netns.self) {
      EXPECT_EQ(netns.mounts.size(), 1u);
      found.insert(netns.id.ino);
    }
  }
  EXPECT_EQ(found, expected);
  EXPECT_TRUE(scan.missing.empty());
  (void)self;
}

TEST(ScanNetns, AMissingProcIsAnError) {
  EXPECT_THROW(scan_netns("/nonexistent-proc"), std::exception);
}

} // namespace
} // namespace kaltune
