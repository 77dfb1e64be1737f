#include "sys/atomic_file.hpp"

#include "../common/temp_root.hpp"
#include "base/error.hpp"
#include "failing_posix.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
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
  remove_durably(posix, file);
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_THROW(remove_durably(posix, file), SystemError);
}

TEST_F(AtomicFile, ReadingADirectoryIsAnError) {
  Posix posix;
  EXPECT_THROW(read_file_state(posix, root.path() / "etc"), Error);
}

} // namespace
} // namespace kaltune
