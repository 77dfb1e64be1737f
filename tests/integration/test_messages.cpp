// What reaches the terminal from the command line or from files is escaped: a value cannot forge
// a second "kaltune:" line or send an escape sequence; and every number on the command line is
// strict decimal, refused with a message that says what is wrong.

#include "harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

std::size_t lines_of(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

bool has_control(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\n') || byte == 0x7f;
  });
}

TEST(Messages, CommandLineValuesAreEscaped) {
  const RunResult time = run_kaltune({"set", "--time", "120\nkaltune: fake line", "--dry-run"});
  EXPECT_EQ(time.status, 2);
  EXPECT_EQ(lines_of(time.err), 1u) << time.err;
  EXPECT_NE(time.err.find("120\\x0Akaltune: fake line"), std::string::npos) << time.err;
  const RunResult source = run_kaltune({"show", "--source", "/x\x1b[2J"});
  EXPECT_EQ(source.status, 4);
  EXPECT_FALSE(has_control(source.err)) << source.err;
  EXPECT_NE(source.err.find("/x\\x1B[2J"), std::string::npos) << source.err;
  // CLI11's own messages too.
  const RunResult format = run_kaltune({"diff", "--format", "x\x1b[2J\ny"});
  EXPECT_EQ(format.status, 2);
  EXPECT_FALSE(has_control(format.err)) << format.err;
  EXPECT_EQ(lines_of(format.err), 2u) << format.err; // the message, "Run with --help ..."
  // C1 controls and bytes that are not UTF-8 are escaped; UTF-8 text is kept.
  const RunResult c1 = run_kaltune({"show", "--source",
                                    "/x\xc2\x9b"
                                    "2J\xff\xc3\xa9"});
  EXPECT_EQ(c1.status, 4);
  EXPECT_NE(c1.err.find("/x\\u009B2J\\xFF\xc3\xa9"), std::string::npos) << c1.err;
}

// Output that cannot be written is a failure: exit 4 and a message, never exit 0 with nothing
// written (a full disk, /dev/full).
TEST(Messages, StdoutThatCannotBeWrittenIsExitFour) {
  for (const std::string& args : {std::string("show"), std::string("--json show")}) {
    const RunResult full =
        run({"sh", "-c", "exec \"$0\" " + args + " >/dev/full", kaltune_binary()});
    EXPECT_EQ(full.status, 4) << args << ": " << full.err;
    EXPECT_NE(full.err.find("kaltune: cannot write the output"), std::string::npos) << full.err;
  }
}

// A container's values come from its runtime: --persist with --netns or --pid, and check
// --persisted of another namespace, are refused before anything is read or written (with
// --dry-run as well, so that a regression could not write the host's files).
TEST(Messages, PersistingAnotherNamespaceIsRefused) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--netns", "/proc/self/ns/net", "set", "--time", "600",
                                 "--persist", "--dry-run"},
        std::vector<std::string>{"--pid", std::to_string(::getpid()), "reset", "--persist",
                                 "--dry-run"}}) {
    const RunResult result = run_kaltune(args);
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_NE(result.err.find("securityContext.sysctls"), std::string::npos) << result.err;
    EXPECT_EQ(lines_of(result.err), 1u) << result.err;
  }
  const RunResult check = run_kaltune({"--netns", "/proc/self/ns/net", "check", "--persisted"});
  EXPECT_EQ(check.status, 2) << check.err;
  EXPECT_NE(check.err.find("--netns and --pid other namespaces"), std::string::npos) << check.err;
}

// Names from files reach stdout escaped too: a file name holding U+202E or an escape sequence in
// show --source boot.
TEST(Messages, FileNamesOnStdoutAreEscaped) {
  TempRoot root;
  fs::create_directories(root.path() / "etc/sysctl.d");
  std::ofstream(root.path() / "etc/sysctl.d/50-a\u202Eb\x1b[2J.conf")
      << "net.ipv4.tcp_keepalive_time = 100\n";
  const RunResult result = run_kaltune(
      {"--root", root.path().string(), "--boot-model", "systemd", "show", "--source", "boot"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_FALSE(has_control(result.out)) << result.out;
  EXPECT_EQ(result.out.find("\u202E"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("50-a\\u202Eb\\x1B[2J.conf"), std::string::npos) << result.out;
}

TEST(Messages, NumbersAreStrictDecimal) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases{
      {{"--pid", "010", "show"},
       "'010' has a leading zero: expected a decimal number from 1 to "
       "4194304 (no octal)"},
      {{"--pid", "0x1", "show"}, "'0x1' is not a decimal number from 1 to 4194304"},
      {{"--pid", "abc", "show"}, "'abc' is not a decimal number from 1 to 4194304"},
      {{"--pid", "0", "show"}, "0 is out of range: expected a decimal number from 1 to 4194304"},
      {{"--pid", "-1", "show"}, "'-1' is not a decimal number from 1 to 4194304"},
      {{"--pid", "99999999999999999999", "show"},
       "99999999999999999999 is out of range: expected a decimal number from 1 to 4194304"},
      {{"sockets", "--port", "0x50"}, "'0x50' is not a decimal number from 0 to 65535"},
      {{"sockets", "--port", "080"}, "'080' has a leading zero"},
      {{"sockets", "--port", "65536"}, "65536 is out of range"},
  };
  for (const Case& c : cases) {
    const RunResult result = run_kaltune(c.args);
    EXPECT_EQ(result.status, 2) << c.args[1] << ": " << result.err;
    EXPECT_NE(result.err.find(c.says), std::string::npos) << c.args[1] << ": " << result.err;
    EXPECT_EQ(result.err.find("0.000000"), std::string::npos) << result.err;
  }
}

} // namespace
} // namespace kaltune::itest
