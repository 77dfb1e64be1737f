#include "sys/lock.hpp"

#include "core/error.hpp"
#include "failing_posix.hpp"
#include "temp_root.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>
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
  const int holder = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  std::atomic<bool> waited{false};
  std::thread release([&] {
    while (!waited) {
      std::this_thread::yield();
    }
    ::close(holder);
  });
  Posix posix;
  FileLock lock(posix, path, [&] { waited = true; });
  release.join();
  EXPECT_TRUE(waited);
  EXPECT_FALSE(free_now(path));
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
