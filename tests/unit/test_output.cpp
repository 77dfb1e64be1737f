#include "cli/output.hpp"

#include "../common/temp_root.hpp"
#include "base/error.hpp"
#include "failing_posix.hpp"
#include "sys/posix.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

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

} // namespace
} // namespace kaltune
