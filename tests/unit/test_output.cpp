#include "cli/output.hpp"

#include "../common/temp_root.hpp"
#include "base/error.hpp"
#include "failing_posix.hpp"
#include "sys/posix.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kaltune {
namespace {
using test::FailingPosix;
using test::TempRoot;

ExitStatus status_of(const std::function<void()>& action, std::string* message = nullptr) {
  try {
    action();
  } catch (const Error& error) {
    if (message) {
      *message = error.what();
    }
    return error.status();
  }
  return ExitStatus::ok;
}

TEST(OutputFile, TheDirectoryMustExistBeforeAnythingIsDone) {
  TempRoot root;
  Posix posix;
  std::string message;
  const auto missing = root.path() / "nodir" / "kaltune.prom";
  EXPECT_EQ(status_of([&] { OutputFile(posix, missing); }, &message), ExitStatus::usage);
  EXPECT_EQ(message, "--output " + missing.string() + ": " + (root.path() / "nodir").string() +
                         " is not an existing directory");
  root.write("file", "x");
  EXPECT_EQ(status_of([&] { OutputFile(posix, root.path() / "file" / "kaltune.prom"); }),
            ExitStatus::usage);
  std::filesystem::create_directory(root.path() / "dir");
  EXPECT_EQ(status_of([&] { OutputFile(posix, root.path() / "dir"); }, &message),
            ExitStatus::usage);
  EXPECT_NE(message.find("is a directory"), std::string::npos);
}

TEST(OutputFile, WritesANewFileReadableByTheCollector) {
  TempRoot root;
  Posix posix;
  OutputFile(posix, root.path() / "kaltune.prom").write("a 1\n");
  EXPECT_EQ(root.read("kaltune.prom"), "a 1\n");
  struct stat st {};
  ASSERT_EQ(::stat((root.path() / "kaltune.prom").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(root.list(""), std::vector<std::string>{"kaltune.prom"});
}

TEST(OutputFile, ReplacesKeepingTheModeAndLeavesNoTempFile) {
  TempRoot root;
  Posix posix;
  const auto path = root.write("kaltune.prom", "old 1\n");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  OutputFile(posix, path).write("new 2\n");
  EXPECT_EQ(root.read("kaltune.prom"), "new 2\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(root.list(""), std::vector<std::string>{"kaltune.prom"});
}

TEST(OutputFile, AFailedWriteKeepsTheOldFile) {
  TempRoot root;
  FailingPosix posix;
  posix.fail_call = "rename";
  const auto path = root.write("kaltune.prom", "old 1\n");
  const OutputFile output(posix, path);
  EXPECT_EQ(status_of([&] { output.write("new 2\n"); }), ExitStatus::system);
  EXPECT_EQ(root.read("kaltune.prom"), "old 1\n");
  EXPECT_EQ(root.list(""), std::vector<std::string>{"kaltune.prom"});
}

// A symlink stays a link: the file it names is replaced, in its own directory, with its own mode
// and owner; nothing of it is copied to a new file in the link's place.
TEST(OutputFile, ThroughASymlinkTheFileItNamesIsReplacedAndTheLinkStays) {
  TempRoot root;
  Posix posix;
  const auto real = root.write("data/kaltune.prom", "old 1\n");
  ASSERT_EQ(::chmod(real.c_str(), 0600), 0);
  std::filesystem::create_directory(root.path() / "textfile");
  const auto link = root.path() / "textfile" / "kaltune.prom";
  std::filesystem::create_symlink("../data/kaltune.prom", link);
  const OutputFile output(posix, link);
  EXPECT_EQ(output.target(), real);
  output.write("new 2\n");
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(std::filesystem::read_symlink(link), "../data/kaltune.prom");
  EXPECT_EQ(root.read("data/kaltune.prom"), "new 2\n");
  struct stat st {};
  ASSERT_EQ(::stat(real.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(root.list("data"), std::vector<std::string>{"kaltune.prom"});
  EXPECT_EQ(root.list("textfile"), std::vector<std::string>{"kaltune.prom"});
}

// A FIFO, a device, a socket, /dev/null — given, or named by a link (`--output /dev/stdout` on
// a pipe or a terminal) — is refused before anything is opened, as every path kaltune is given.
TEST(OutputFile, WhatIsNoRegularFileIsRefusedAndKept) {
  TempRoot root;
  Posix posix;
  const auto fifo = root.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  std::string message;
  EXPECT_EQ(status_of([&] { OutputFile(posix, fifo); }, &message), ExitStatus::system);
  EXPECT_EQ(message, "--output " + fifo.string() +
                         " is not a regular file (a FIFO); --output replaces only a regular file");
  const auto to_fifo = root.path() / "stdout";
  std::filesystem::create_symlink(fifo, to_fifo);
  EXPECT_EQ(status_of([&] { OutputFile(posix, to_fifo); }, &message), ExitStatus::system);
  EXPECT_EQ(message, "--output " + to_fifo.string() + " (a symlink to " + fifo.string() +
                         ") is not a regular file (a FIFO); --output replaces only a regular file");
  const auto to_null = root.path() / "null";
  std::filesystem::create_symlink("/dev/null", to_null);
  EXPECT_EQ(status_of([&] { OutputFile(posix, to_null); }, &message), ExitStatus::system);
  EXPECT_NE(message.find("is not a regular file (/dev/null)"), std::string::npos) << message;
  EXPECT_EQ(status_of([&] { OutputFile(posix, "/dev/null"); }), ExitStatus::system);
  const auto dangling = root.path() / "dangling";
  std::filesystem::create_symlink("nowhere/x.prom", dangling);
  EXPECT_EQ(status_of([&] { OutputFile(posix, dangling); }, &message), ExitStatus::system);
  EXPECT_EQ(message, "--output " + dangling.string() +
                         " (a symlink to nowhere/x.prom): No such file or directory; kaltune "
                         "does not create a file through a symlink");
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_TRUE(std::filesystem::is_symlink(to_fifo));
  EXPECT_TRUE(std::filesystem::is_symlink(to_null));
  EXPECT_EQ(root.list(""), (std::vector<std::string>{"dangling", "fifo", "null", "stdout"}));
}

// The old file is never read: a large one (a thousand namespaces make 600 KB) is replaced as
// any other, whatever its size.
TEST(OutputFile, AnOldFileOfAnySizeIsReplaced) {
  TempRoot root;
  Posix posix;
  const auto path = root.write("kaltune.prom", std::string(3 * 1024 * 1024, 'x'));
  OutputFile(posix, path).write("new 2\n");
  EXPECT_EQ(root.read("kaltune.prom"), "new 2\n");
}

// A run killed while writing left its temp file; the next one removes it (its process is gone),
// never a live writer's.
TEST(OutputFile, TempFilesOfKilledRunsAreRemoved) {
  TempRoot root;
  Posix posix;
  const pid_t child = ::fork();
  if (child == 0) {
    ::_exit(0);
  }
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string dead = ".kaltune.prom.kaltune-" + std::to_string(child) + "-0";
  const std::string live = ".kaltune.prom.kaltune-" + std::to_string(::getpid()) + "-7";
  root.write(dead, "half");
  root.write(live, "being written");
  EXPECT_EQ(OutputFile(posix, root.path() / "kaltune.prom").write("a 1\n"),
            std::vector<std::string>{dead});
  EXPECT_EQ(root.list(""), (std::vector<std::string>{live, "kaltune.prom"}));
}

} // namespace
} // namespace kaltune
