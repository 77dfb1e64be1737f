// The lock that serializes runs (/run/kaltune.lock, in a private tmpfs /run): waiting for
// another run, and refusing what a non-root user or a planted file would make of it.

#include "persist_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

TEST_F(PersistLive, ConcurrentRunsSerializeOnTheLock) {
  // Another "run" holds the lock (the test's tmpfs /run, private to it).
  const int fd = ::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  std::vector<std::string> argv{kaltune_binary()};
  argv.insert(argv.end(), set_asked.begin(), set_asked.end());
  Process second(argv);
  // Let go once kaltune says it waits, and only then.
  // The holder named as what it is: this test program, as root.
  std::string name = read_file("/proc/self/comm");
  name.erase(name.find_last_not_of('\n') + 1);
  const std::string waiting = "warning: waiting up to 30 s for process " +
                              std::to_string(::getpid()) + " (" + name +
                              ", uid 0) to release /run/kaltune.lock\n";
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
  EXPECT_EQ(result.err,
            "kaltune: cannot open lock file /run/kaltune.lock (persisting runs need root): "
            "Permission denied\n");
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
  EXPECT_EQ(result.err, "kaltune: refusing lock file /run/kaltune.lock: a symlink (remove it; "
                        "kaltune creates it as root)\n");
  EXPECT_FALSE(fs::exists("/run/elsewhere"));
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

// No unprivileged process can keep root's runs waiting: after a root run the lock file is 0600,
// so another user cannot even open it (util-linux flock(1) as nobody fails at once), and a root
// run does not wait for a user who opened the 0644 file an older kaltune left.
TEST_F(PersistLive, UserCannotHoldRootsLock) {
  KALTUNE_REQUIRE_ROOT();
  const int fd = ::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(::chmod("/run/kaltune.lock", 0644), 0);
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  Process holder({"flock", "-s", "/run/kaltune.lock", "sh", "-c", "echo held >&2; sleep 60"},
                 nobody);
  ASSERT_TRUE(holder.wait_for_err("held", std::chrono::seconds(20)));
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = run_kaltune(set_asked);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  struct stat st {};
  ASSERT_EQ(::stat("/run/kaltune.lock", &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  const RunResult again = run({"flock", "-n", "-s", "/run/kaltune.lock", "true"}, nobody);
  EXPECT_NE(again.status, 0) << "nobody could open root's lock file";
  EXPECT_NE(again.err.find("Permission denied"), std::string::npos) << again.err;
}

} // namespace
} // namespace kaltune::itest
