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

// A run that opened the lock file and was then held up before its flock (strace delays the call
// 2 s) while the file was replaced — as the 0600 upgrade does — or removed and made again by
// another run, which holds the lock on the new file. The delayed run's flock takes the old inode,
// which no one else locks: it must see that the path names another file and wait for that one's
// holder, never run beside it.
TEST_F(PersistLive, ARunHeldUpBeforeItsFlockWaitsForTheLockFileThereNow) {
  if (const RunResult probe = run({"strace", "-o", "/dev/null", "true"}); probe.status != 0) {
    GTEST_SKIP() << "strace is not installed or may not trace here: " << probe.err;
  }
  std::string name = read_file("/proc/self/comm");
  name.erase(name.find_last_not_of('\n') + 1);
  const std::string waiting = "warning: waiting up to 30 s for process " +
                              std::to_string(::getpid()) + " (" + name +
                              ", uid 0) to release /run/kaltune.lock\n";
  for (const bool removed : {false, true}) {
    SCOPED_TRACE(removed ? "removed and made again" : "replaced");
    write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
    ::close(::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
    std::vector<std::string> argv{"strace",
                                  "-f",
                                  "-o",
                                  "/dev/stderr",
                                  "-e",
                                  "trace=flock",
                                  "-e",
                                  "inject=flock:delay_enter=2000000:when=1",
                                  kaltune_binary()};
    argv.insert(argv.end(), set_asked.begin(), set_asked.end());
    Process traced(argv);
    ASSERT_TRUE(traced.wait_for_err(" flock(", std::chrono::seconds(60))) << traced.so_far().err;
    // Another run, meanwhile: the lock file there now is its own, and it holds it.
    int other = -1;
    if (removed) {
      ASSERT_EQ(::unlink("/run/kaltune.lock"), 0);
      other = ::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    } else {
      other = ::open("/run/.other-run", O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      ASSERT_EQ(::rename("/run/.other-run", "/run/kaltune.lock"), 0);
    }
    ASSERT_GE(other, 0);
    ASSERT_EQ(::flock(other, LOCK_EX), 0);
    const bool said = traced.wait_for_err(waiting, std::chrono::seconds(60));
    EXPECT_TRUE(said) << "never waited for the holder of the lock file there now:\n"
                      << traced.so_far().err;
    EXPECT_EQ(read_sysctl("net.ipv4.tcp_keepalive_time"), 7200) << "ran beside the holder";
    ::close(other);
    const RunResult result = traced.finish();
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(read_keepalive(), asked);
  }
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
