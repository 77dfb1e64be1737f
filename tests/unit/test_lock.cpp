#include "sys/lock.hpp"

#include "../common/temp_root.hpp"
#include "base/error.hpp"
#include "failing_posix.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune {
namespace {

// Whether another open file description can take the lock right now.
bool free_now(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const bool free = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  if (fd >= 0) {
    ::close(fd);
  }
  return free;
}

TEST(FileLock, HeldForItsScopeAndCreatedIfMissing) {
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  Posix posix;
  {
    FileLock lock(posix, path);
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_FALSE(free_now(path));
  }
  EXPECT_TRUE(free_now(path));
  EXPECT_TRUE(std::filesystem::exists(path)); // never removed: that would race its next user
}

TEST(FileLock, WaitsForTheHolderAndSaysSo) {
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  int holder = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  // The holder lets go when FileLock says it waits: no thread and no sleep. (A releasing thread
  // turned any exception out of FileLock into std::terminate, as its std::thread was still
  // joinable during the unwinding, and a missing on_wait made that thread spin for ever.)
  Posix posix;
  pid_t said = -1;
  try {
    FileLock lock(
        posix, path,
        [&](pid_t holder_pid) {
          said = holder_pid;
          ::close(holder);
          holder = -1;
        },
        std::chrono::seconds(10));
    EXPECT_FALSE(free_now(path));
  } catch (const Error& e) {
    ADD_FAILURE() << "never took the released lock: " << e.what();
  }
  if (holder >= 0) {
    ::close(holder);
  }
  EXPECT_EQ(said, ::getpid()); // /proc/locks names the holder
}

TEST(FileLock, GivesUpAfterTheTimeoutWithExitFour) {
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  const int holder = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  Posix posix;
  const auto start = std::chrono::steady_clock::now();
  try {
    FileLock lock(posix, path, {}, std::chrono::milliseconds(300));
    ADD_FAILURE() << "took a lock that another holder has";
  } catch (const SystemError&) {
    ADD_FAILURE() << "a timeout is not a system call failure";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_EQ(std::string(e.what()), "gave up after 0.3 s waiting for another kaltune (pid " +
                                         std::to_string(::getpid()) + ") to release " +
                                         path.string() + "; nothing was changed");
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  ::close(holder);
}

TEST(FileLock, RefusesASymlink) {
  test::TempRoot root;
  const auto target = root.path() / "elsewhere";
  const auto path = root.path() / "kaltune.lock";
  std::filesystem::create_symlink(target, path);
  Posix posix;
  try {
    FileLock lock(posix, path);
    ADD_FAILURE() << "followed a symlink";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.error_number(), ELOOP);
    EXPECT_EQ(e.status(), ExitStatus::system);
  }
  EXPECT_FALSE(std::filesystem::exists(target)); // nothing created through the link
}

TEST(FileLock, RefusesWhatIsNotARegularFile) {
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0);
  Posix posix;
  try {
    FileLock lock(posix, path); // O_NONBLOCK: a FIFO must not hang the open
    ADD_FAILURE() << "locked a FIFO";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

TEST(FileLock, RefusesAFileAnotherUserOwns) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to give the file to another user";
  }
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fchown(fd, 65534, 65534), 0);
  ::close(fd);
  Posix posix;
  try {
    FileLock lock(posix, path);
    ADD_FAILURE() << "used a lock file another user planted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_NE(std::string(e.what()).find("owned by uid 65534, not root"), std::string::npos)
        << e.what();
  }
}

TEST(FileLock, LivesInRootOwnedRun) {
  EXPECT_EQ(lock_file_path(), "/run/kaltune.lock");
}

TEST(FileLock, UnopenableLockFileIsASystemError) {
  test::FailingPosix posix;
  posix.fail_call = "open";
  posix.fail_errno = EACCES;
  test::TempRoot root;
  try {
    FileLock lock(posix, root.path() / "kaltune.lock");
    FAIL();
  } catch (const SystemError& e) {
    EXPECT_EQ(e.status(), ExitStatus::permission);
    EXPECT_NE(std::string(e.what()).find("cannot open lock file"), std::string::npos);
  }
}

} // namespace
} // namespace kaltune
