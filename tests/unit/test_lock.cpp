#include "sys/lock.hpp"

#include "../common/temp_root.hpp"
#include "base/error.hpp"
#include "failing_posix.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <functional>
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
  int holder = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
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
  const int holder = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
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
    EXPECT_EQ(std::string(e.what()), "gave up after 0.3 s waiting for " +
                                         describe_holder(::getpid()) + " to release " +
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
    ADD_FAILURE() << "a symlink is a refusal, not a failed call: " << e.what();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_EQ(std::string(e.what()), "refusing lock file " + path.string() +
                                         ": a symlink (remove it; kaltune creates it as root)");
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

// No other user may hold root's lock: the file is 0600, and a 0644 one (an older kaltune's) is
// replaced, so that a descriptor opened on it by someone else locks nothing root uses.
TEST(FileLock, OnlyRootCanOpenIt) {
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  Posix posix;
  { FileLock lock(posix, path); }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  if (::geteuid() != 0) {
    return;
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  const int other = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); // opened while it was 0644
  ASSERT_GE(other, 0);
  ASSERT_EQ(::flock(other, LOCK_SH), 0);
  const auto start = std::chrono::steady_clock::now();
  {
    FileLock lock(posix, path, {}, std::chrono::milliseconds(2000));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  }
  ::close(other);
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(root.list("."), std::vector<std::string>{"kaltune.lock"});
}

// The Posix seam with a hook run once, just before the nth call of one name: what another run
// does between this one's open and its flock, or before its swap.
class Interleaved : public Posix {
public:
  std::string at = "flock";
  int nth = 1;
  std::function<void()> meanwhile;

  int flock(int fd, int operation) override {
    step("flock");
    return Posix::flock(fd, operation);
  }
  int exchange(const char* from, const char* to) override {
    step("exchange");
    return Posix::exchange(from, to);
  }

private:
  int seen_ = 0;
  void step(const std::string& name) {
    if (name == at && ++seen_ == nth && meanwhile) {
      meanwhile();
    }
  }
};

// Another run puts a fresh lock file at `path` (as the 0600 upgrade does) and holds it; the
// descriptor it locks with.
int replace_and_hold(const std::filesystem::path& path) {
  const auto fresh = path.parent_path() / "other-run.tmp";
  const int fd = ::open(fresh.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_EQ(::rename(fresh.c_str(), path.c_str()), 0);
  return fd;
}

// A run that opened the lock file, then lost the race to one that replaced it: its flock takes
// the old inode, which no one else will ever lock. It must see that the path names another file
// now and wait for that one's holder instead of running beside it.
TEST(FileLock, AFileReplacedBeforeTheFlockIsNotTheLock) {
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  ::close(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  Interleaved posix;
  int other = -1;
  posix.meanwhile = [&] { other = replace_and_hold(path); };
  pid_t waited_for = -1;
  try {
    FileLock lock(
        posix, path, [&](pid_t holder) { waited_for = holder; }, std::chrono::milliseconds(300));
    ADD_FAILURE() << "locked a file that is no longer the lock file, beside its holder";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_NE(std::string(e.what()).find("gave up after 0.3 s waiting for"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(waited_for, ::getpid());
  ::close(other);
}

// Removed meanwhile (by hand, or a clean-up): the run locks the file it creates at the path.
TEST(FileLock, AFileRemovedBeforeTheFlockIsMadeAgain) {
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  Interleaved posix;
  posix.meanwhile = [&] { std::filesystem::remove(path); };
  FileLock lock(posix, path, {}, std::chrono::milliseconds(300));
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(free_now(path)); // the lock is on the file at the path
  EXPECT_TRUE(lock.still_at_path());
  std::filesystem::remove(path); // removed while held: said, since the next run gets in
  EXPECT_FALSE(lock.still_at_path());
}

// Two root runs meet a 0644 file of an older kaltune and both replace it. The one whose swap
// hands back another run's fresh file instead of the file it examined undoes its swap and waits.
TEST(FileLock, TheUpgradeTo0600NeverLetsTwoRunsHoldIt) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "the 0644 file is upgraded only by root";
  }
  test::TempRoot root;
  const auto path = root.path() / "kaltune.lock";
  ::close(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  for (const char* at : {"flock", "exchange"}) {
    SCOPED_TRACE(at);
    Interleaved posix;
    posix.at = at;
    int other = -1;
    struct stat theirs {};
    posix.meanwhile = [&] {
      other = replace_and_hold(path);
      ::fstat(other, &theirs);
    };
    try {
      FileLock lock(posix, path, {}, std::chrono::milliseconds(300));
      ADD_FAILURE() << "two runs hold the lock";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("gave up"), std::string::npos) << e.what();
    }
    struct stat now {};
    ASSERT_EQ(::stat(path.c_str(), &now), 0);
    EXPECT_EQ(now.st_ino, theirs.st_ino) << "the other run's lock file was taken away";
    EXPECT_EQ(root.list("."), std::vector<std::string>{"kaltune.lock"});
    ::close(other);
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  }
}

TEST(FileLock, NamesTheHolderAsWhatItIs) {
  std::string name = test::read_file("/proc/self/comm");
  name.erase(name.find_last_not_of('\n') + 1);
  EXPECT_EQ(describe_holder(::getpid()), "process " + std::to_string(::getpid()) + " (" + name +
                                             ", uid " + std::to_string(::getuid()) + ")");
  EXPECT_EQ(describe_holder(0), "another process");
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
