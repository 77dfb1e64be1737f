#include "sys/atomic_file.hpp"

#include "../common/temp_root.hpp"
#include "base/error.hpp"
#include "failing_posix.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kaltune {
namespace {

using test::FailingPosix;
using test::TempRoot;

struct stat stat_of(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st;
}

class AtomicFile : public ::testing::Test {
protected:
  TempRoot root;
  std::filesystem::path file = root.write("etc/sysctl.conf", "# original\r\nvm.x = 1");
  void SetUp() override { ASSERT_EQ(::chmod(file.c_str(), 0640), 0); }
};

TEST_F(AtomicFile, ReplacesContentKeepsModeAndLeavesNoTemp) {
  Posix posix;
  const FileState before = read_file_state(posix, file);
  ASSERT_TRUE(before.exists);
  EXPECT_EQ(before.content, "# original\r\nvm.x = 1");
  EXPECT_EQ(before.mode, 0640u);
  write_atomically(posix, file, "new\n", before);
  EXPECT_EQ(root.read("etc/sysctl.conf"), "new\n");
  EXPECT_EQ(stat_of(file).st_mode & 07777, 0640u);
  EXPECT_EQ(root.list("etc"), std::vector<std::string>{"sysctl.conf"});
}

TEST_F(AtomicFile, KeepsTheOwner) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "changing a file's owner needs root";
  }
  ASSERT_EQ(::chown(file.c_str(), 1234, 4321), 0);
  Posix posix;
  write_atomically(posix, file, "new\n", read_file_state(posix, file));
  EXPECT_EQ(stat_of(file).st_uid, 1234u);
  EXPECT_EQ(stat_of(file).st_gid, 4321u);
  EXPECT_EQ(stat_of(file).st_mode & 07777, 0640u);
}

TEST_F(AtomicFile, CreatesAMissingFileWith0644) {
  Posix posix;
  const auto created = root.path() / "etc/sysctl.d/99-kaltune.conf";
  std::filesystem::create_directories(created.parent_path());
  const FileState before = read_file_state(posix, created);
  EXPECT_FALSE(before.exists);
  write_atomically(posix, created, "x\n", before);
  EXPECT_EQ(root.read("etc/sysctl.d/99-kaltune.conf"), "x\n");
  EXPECT_EQ(stat_of(created).st_mode & 07777, 0644u);
}

struct Injection {
  std::string call;
  int nth;
  int error;
  std::string message; // part of the error
};

class InjectedFailure : public AtomicFile, public ::testing::WithParamInterface<Injection> {};

TEST_P(InjectedFailure, OriginalByteIdenticalAndNoTempLeft) {
  FailingPosix posix;
  const FileState before = read_file_state(posix, file);
  posix.fail_call = GetParam().call;
  posix.fail_on = GetParam().nth;
  posix.fail_errno = GetParam().error;
  try {
    write_atomically(posix, file, "new content\n", before);
    FAIL() << "no error";
  } catch (const SystemError& error) {
    EXPECT_NE(std::string(error.what()).find("cannot write " + file.string()), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find(GetParam().message), std::string::npos)
        << error.what();
    EXPECT_EQ(error.status(), status_for_errno(GetParam().error));
  }
  EXPECT_EQ(root.read("etc/sysctl.conf"), "# original\r\nvm.x = 1");
  EXPECT_EQ(stat_of(file).st_mode & 07777, 0640u);
  EXPECT_EQ(root.list("etc"), std::vector<std::string>{"sysctl.conf"});
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, InjectedFailure,
    ::testing::Values(
        // open #1 is read_file_state's (done before injection counts): the temp file's creation.
        Injection{"open", 1, EACCES, "creation of temporary file"},
        Injection{"write", 1, EIO, "write of the temporary file: Input/output error"},
        Injection{"write", 1, ENOSPC, "No space left on device"},
        Injection{"fsync", 1, EIO, "fsync of the temporary file"},
        Injection{"fchmod", 1, EPERM, "chmod to 0640"},
        Injection{"close", 1, EIO, "close of the temporary file"},
        Injection{"rename", 1, EIO, "rename of"},
        Injection{"rename", 1, EXDEV, "Invalid cross-device link"},
        // After the rename: the directory cannot be synced, so the original is put back.
        Injection{"fsync", 2, EIO, "fsync of directory"}),
    [](const ::testing::TestParamInfo<Injection>& info) {
      return info.param.call + std::to_string(info.param.nth) + "_" +
             std::to_string(info.param.error);
    });

TEST_F(AtomicFile, FailedCreationOfANewFileLeavesNothing) {
  FailingPosix posix;
  posix.fail_call = "rename";
  const auto created = root.path() / "etc/new.conf";
  EXPECT_THROW(write_atomically(posix, created, "x\n", FileState{}), SystemError);
  EXPECT_EQ(root.list("etc"), std::vector<std::string>{"sysctl.conf"});
}

TEST_F(AtomicFile, RestorePutsBackBytesAndMode) {
  Posix posix;
  const FileState before = read_file_state(posix, file);
  write_atomically(posix, file, "changed\n", before);
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  restore_file(posix, file, before);
  EXPECT_EQ(root.read("etc/sysctl.conf"), "# original\r\nvm.x = 1");
  EXPECT_EQ(stat_of(file).st_mode & 07777, 0640u);
}

TEST_F(AtomicFile, RestoreOfAFileThatDidNotExistRemovesIt) {
  Posix posix;
  const auto created = root.write("etc/sysctl.d/99-kaltune.conf", "x\n");
  restore_file(posix, created, FileState{});
  EXPECT_FALSE(std::filesystem::exists(created));
}

TEST_F(AtomicFile, RemoveDurably) {
  Posix posix;
  const FileState original = read_file_state(posix, file);
  remove_durably(posix, file, original);
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_THROW(remove_durably(posix, file, original), SystemError);
}

TEST_F(AtomicFile, ReadingADirectoryIsAnError) {
  Posix posix;
  EXPECT_THROW(read_file_state(posix, root.path() / "etc"), Error);
}

// A failed directory fsync whose restore fails too (its temp file's fsync) leaves the new bytes:
// said as every double fault is, so the caller never reports a plain failed write (and leaves the
// kernel alone).
TEST_F(AtomicFile, FailedRestoreAfterADirectoryFsyncSaysTheFileHoldsTheNewContent) {
  struct EveryFsyncAfterTheFirstFails : Posix {
    int calls = 0;
    int fsync(int fd) override {
      if (++calls >= 2) {
        errno = EIO;
        return -1;
      }
      return Posix::fsync(fd);
    }
  } posix;
  Posix real;
  const FileState original = read_file_state(real, file);
  try {
    write_atomically(posix, file, "vm.x = 2\n", original);
    ADD_FAILURE() << "the write was reported as done";
  } catch (const SystemError& e) {
    ADD_FAILURE() << "reported as a plain failure: " << e.what();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("cannot write " + file.string() + ": fsync of directory", 0), 0u)
        << message;
    EXPECT_NE(message.find("; RESTORE OF " + file.string() + " FAILED (cannot write " +
                           file.string() +
                           ": fsync of the temporary file: Input/output error): "
                           "it holds the new content"),
              std::string::npos)
        << message;
  }
  EXPECT_EQ(test::read_file(file), "vm.x = 2\n");
}

// Only the directory's fsync fails, every time: the restore puts the old bytes back (its rename
// succeeds) and only its own directory fsync fails. The file holds the old content then, and the
// message must say so, never "the new values".
struct DirectoryFsyncFails : Posix {
  int fail_from = 1; // the nth directory fsync and every later one fail
  int seen = 0;
  int fsync(int fd) override {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && ++seen >= fail_from) {
      errno = EIO;
      return -1;
    }
    return Posix::fsync(fd);
  }
};

TEST_F(AtomicFile, ARestoreThatOnlyFailsToSyncSaysTheFileHoldsTheOldContent) {
  DirectoryFsyncFails posix;
  Posix real;
  const FileState original = read_file_state(real, file);
  try {
    write_atomically(posix, file, "vm.x = 2\n", original);
    ADD_FAILURE() << "the write was reported as done";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_EQ(message.find("RESTORE OF"), std::string::npos) << message;
    EXPECT_EQ(message.find("new"), std::string::npos) << message;
    EXPECT_NE(message.find("; " + file.string() +
                           " is as it was again, but that may not survive a crash either"),
              std::string::npos)
        << message;
  }
  EXPECT_EQ(test::read_file(file), "# original\r\nvm.x = 1");
  EXPECT_EQ(stat_of(file).st_mode & 07777, 0640u);
  EXPECT_EQ(root.list("etc"), std::vector<std::string>{"sysctl.conf"});
}

// A removal whose directory fsync fails puts the file back: the command fails with the file as
// it was, and says so (never "cannot write" with the file gone).
TEST_F(AtomicFile, ARemovalThatCannotBeMadeDurablePutsTheFileBack) {
  DirectoryFsyncFails once;
  struct OnlyTheFirst : DirectoryFsyncFails {
    int fsync(int fd) override {
      struct stat st {};
      if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && ++seen == 1) {
        errno = EIO;
        return -1;
      }
      return Posix::fsync(fd);
    }
  } first;
  Posix real;
  const FileState original = read_file_state(real, file);
  try {
    remove_durably(first, file, original);
    ADD_FAILURE() << "the removal was reported as done";
  } catch (const SystemError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot remove " + file.string() + ": fsync of directory " +
                                         file.parent_path().string() + ": Input/output error; " +
                                         file.string() + " put back as it was");
  }
  EXPECT_EQ(test::read_file(file), "# original\r\nvm.x = 1");
  EXPECT_EQ(stat_of(file).st_mode & 07777, 0640u);
  // Every directory fsync fails: back in place, not durably.
  try {
    remove_durably(once, file, original);
    ADD_FAILURE() << "the removal was reported as done";
  } catch (const SystemError& e) {
    ADD_FAILURE() << "reported as a plain failure: " << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string() + " is as it was again"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(test::read_file(file), "# original\r\nvm.x = 1");
  // The put-back fails before its rename: the file is gone, and the message says that.
  struct PutBackFails : DirectoryFsyncFails {
    int open(const char* path, int flags, mode_t mode) override {
      if ((flags & O_CREAT) != 0) {
        errno = ENOSPC;
        return -1;
      }
      return Posix::open(path, flags, mode);
    }
  } no_space;
  try {
    remove_durably(no_space, file, original);
    ADD_FAILURE() << "the removal was reported as done";
  } catch (const SystemError& e) {
    ADD_FAILURE() << "reported as a plain failure: " << e.what();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("; RESTORE OF " + file.string() + " FAILED ("), std::string::npos)
        << message;
    EXPECT_TRUE(message.ends_with(": it is gone")) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(root.list("etc"), std::vector<std::string>{});
}

// A run holding the lock removes the temp files of killed runs (their pid is gone), never a live
// process's nor a file of another naming.
TEST_F(AtomicFile, StaleTempFilesOfDeadProcessesAreRemoved) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string dead = ".sysctl.conf.kaltune-" + std::to_string(child) + "-0";
  const std::string live = ".sysctl.conf.kaltune-" + std::to_string(::getpid()) + "-0";
  root.write("etc/" + dead, "x");
  root.write("etc/" + live, "x");
  root.write("etc/.sysctl.conf.kaltune-x-0", "x");
  root.write("etc/.other.conf.kaltune-" + std::to_string(child) + "-0", "x");
  Posix posix;
  EXPECT_EQ(remove_stale_temps(posix, file), std::vector<std::string>{dead});
  EXPECT_EQ(root.list("etc"),
            (std::vector<std::string>{".other.conf.kaltune-" + std::to_string(child) + "-0", live,
                                      ".sysctl.conf.kaltune-x-0", "sysctl.conf"}));
}

} // namespace
} // namespace kaltune
