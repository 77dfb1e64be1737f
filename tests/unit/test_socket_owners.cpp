#include "sys/socket_owners.hpp"

#include "base/error.hpp"
#include "socket_inode.hpp"
#include "sys/fd.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune {
namespace {

TEST(ReadSocketOptions, ReadsTheSocketItWasAskedAbout) {
  const UniqueFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(socket.get(), 0);
  const int idle = 77;
  ASSERT_EQ(::setsockopt(socket.get(), IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle), 0);
  std::optional<SocketOptions> options;
  try {
    options = read_socket_options(::getpid(), socket.get(), inode_of(socket.get()));
  } catch (const SystemError& e) {
    GTEST_SKIP() << "pidfd_getfd unavailable here: " << e.what();
  }
  ASSERT_TRUE(options);
  EXPECT_EQ(options->idle, 77);
}

TEST(ReadSocketOptions, ADescriptorReusedSinceTheScanIsSkipped) {
  // The scan saw socket A under this number; A was closed and B now has the number.
  const UniqueFd a(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(a.get(), 0);
  const UniqueFd b(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(b.get(), 0);
  try {
    EXPECT_FALSE(read_socket_options(::getpid(), b.get(), inode_of(a.get())));
    // Not a socket at all any more.
    const UniqueFd file(::open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
    ASSERT_GE(file.get(), 0);
    EXPECT_FALSE(read_socket_options(::getpid(), file.get(), inode_of(a.get())));
  } catch (const SystemError& e) {
    GTEST_SKIP() << "pidfd_getfd unavailable here: " << e.what();
  }
}

} // namespace
} // namespace kaltune
