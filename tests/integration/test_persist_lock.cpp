// The lock that serializes runs (/run/kaltune.lock, in a private tmpfs /run): waiting for
// another run, and refusing what a non-root user or a planted file would make of it.

#include "persist_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

TEST_F(PersistLive, ConcurrentRunsSerializeOnTheLock) {
  // Another "run" holds the lock (the test's tmpfs /run, private to it).
  const int fd = ::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  std::vector<std::string> argv{kaltune_binary()};
  argv.insert(argv.end(), set_asked.begin(), set_asked.end());
  Process second(argv);
  // Let go once kaltune says it waits, and only then.
  const std::string waiting = "warning: waiting up to 30 s for another kaltune run (pid " +
                              std::to_string(::getpid()) + ") to release /run/kaltune.lock\n";
  const bool said = second.wait_for_err(waiting, std::chrono::seconds(60));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9})) << "changed before the lock";
  ::close(fd);
  const RunResult result = second.finish();
  EXPECT_TRUE(said) << "kaltune never said it waits for the lock: " << result.err;
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.err, waiting);
  EXPECT_EQ(read_keepalive(), asked);
}

TEST_F(PersistLive, UserCannotCreateTheLockInRun) {
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const RunResult result = run_kaltune(set_asked, nobody);
  EXPECT_EQ(result.status, 3) << result.err;
  EXPECT_EQ(result.err, "kaltune: cannot open lock file /run/kaltune.lock: Permission denied\n");
  EXPECT_FALSE(fs::exists("/run/kaltune.lock"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

// A lock file another user planted (possible in the old world-writable /run/lock) or a link is
// refused with exit 4 before anything changes, never followed or waited on.
TEST_F(PersistLive, PlantedLockFileIsRefused) {
  const int fd = ::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fchown(fd, 65534, 65534), 0);
  ::close(fd);
  RunResult result = run_kaltune(set_asked);
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_EQ(result.err, "kaltune: refusing lock file /run/kaltune.lock: owned by uid 65534, not "
                        "root (remove it; kaltune creates it as root)\n");
  fs::remove("/run/kaltune.lock");
  fs::create_symlink("/run/elsewhere", "/run/kaltune.lock");
  result = run_kaltune(set_asked);
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_NE(result.err.find("cannot open lock file /run/kaltune.lock"), std::string::npos)
      << result.err;
  EXPECT_FALSE(fs::exists("/run/elsewhere"));
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

} // namespace
} // namespace kaltune::itest
