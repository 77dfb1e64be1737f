#include "core/socket_processes.hpp"

#include "base/error.hpp"
#include "socket_inode.hpp"
#include "sys/fd.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace kaltune {
namespace {

TEST(SystemErrorCall, CarriesTheCallAsData) {
  const SystemError named(EPERM, "pidfd_getfd", "pidfd_getfd of descriptor 3 of process 1");
  EXPECT_EQ(named.call(), "pidfd_getfd");
  EXPECT_STREQ(named.what(), "pidfd_getfd of descriptor 3 of process 1: Operation not permitted");
  EXPECT_EQ(named.status(), ExitStatus::permission);
  EXPECT_EQ(SystemError(EIO, "cannot read x").call(), "");
}

TEST(SocketProcesses, DisabledKnowsNoOwnerAndReadsNothing) {
  const UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(socket.get(), 0);
  SocketProcesses processes(false);
  const std::uint32_t inode = inode_of(socket.get());
  EXPECT_EQ(processes.owner(inode), nullptr);
  EXPECT_EQ(processes.options(inode), nullptr);
  processes.note_listed(inode);
  EXPECT_TRUE(processes.missing().empty());
}

// This process holds the socket: the scan finds it as its owner, and its own options are read
// once; where the kernel has no pidfd_getfd, the failure is counted under the call that failed.
TEST(SocketProcesses, FindsThisProcessAndItsOptions) {
  const UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(socket.get(), 0);
  const int idle = 77;
  ASSERT_EQ(::setsockopt(socket.get(), IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle), 0);
  const std::uint32_t inode = inode_of(socket.get());
  SocketProcesses processes(true);
  const SocketOwner* owner = processes.owner(inode);
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->pid, ::getpid());
  EXPECT_EQ(owner->fd, socket.get());
  processes.note_listed(inode);
  const SocketOptions* options = processes.options(inode);
  if (options == nullptr) {
    ASSERT_EQ(processes.missing().size(), 1u);
    EXPECT_EQ(processes.missing()[0].rfind("socket options of 1 socket: pidfd_", 0), 0u)
        << processes.missing()[0];
    GTEST_SKIP() << "pidfd_getfd unavailable here: " << processes.missing()[0];
  }
  EXPECT_EQ(options->idle, 77);
  EXPECT_EQ(processes.options(inode), options); // read once, kept
  EXPECT_TRUE(processes.missing().empty());
}

} // namespace
} // namespace kaltune
