// The words of a refused `set --all-netns`: they must tell the truth about every namespace.
#include "render/netns.hpp"
#include "render/policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace kaltune {
namespace {

struct Spaces {
  FoundNetns host;
  FoundNetns blue;
  FoundNetns red;
  Spaces() {
    host.init = true;
    host.id = {1, 100};
    blue.id = {1, 200};
    blue.mounts = {"/run/netns/blue"};
    red.id = {1, 300};
    red.mounts = {"/run/netns/red"};
  }
  std::vector<NetnsChange> changes() const {
    std::vector<NetnsChange> out;
    for (const FoundNetns* netns : {&host, &blue, &red}) {
      out.push_back({NetnsEntry{*netns, {}, kernel_defaults, kernel_defaults},
                     kernel_defaults,
                     {{Key::time, 7200, 600}}});
    }
    return out;
  }
};

// "3 processes", never "processs"; one process is "1 process".
TEST(MissingText, CountsProcessesInEnglish) {
  MissingNetns missing;
  missing.process_count = 3;
  missing.pids = {10, 11, 12};
  missing.reason = "Permission denied";
  EXPECT_NE(missing_text(missing).find("3 processes (pid 10"), std::string::npos)
      << missing_text(missing);
  missing.process_count = 1;
  missing.pids = {10};
  EXPECT_NE(missing_text(missing).find("1 process (pid 10"), std::string::npos)
      << missing_text(missing);
}

// The Nagios status line stays one line whatever the names in it hold: a process named
// "\nKALTUNE OK" cannot start a second status line, and U+202E cannot reorder it on a terminal.
TEST(NagiosLine, NamesCannotSplitOrReorderIt) {
  const std::string line = nagios_line(
      PluginStatus::critical, "namespace of \"x\nKALTUNE OK - fine\" \u202E|evil", "detect=1s;;2");
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find("\u202E"), std::string::npos) << line;
  EXPECT_NE(line.find("\\x0AKALTUNE OK"), std::string::npos) << line;
  EXPECT_EQ(line.rfind("KALTUNE CRITICAL - ", 0), 0U) << line;
  // A '|' in the text would start the performance data early.
  EXPECT_EQ(line.find(" | "), line.rfind(" | ")) << line;
}

TEST(DescribeFailure, NothingElseChanged) {
  const Spaces spaces;
  ApplyFailure failure;
  failure.refused = 0;
  failure.error = "cannot write: Operation not permitted";
  EXPECT_EQ(describe_failure(failure, spaces.changes()),
            "set --all-netns: namespace 100 (host) refused: cannot write: Operation not "
            "permitted; no other namespace had been changed");
}

TEST(DescribeFailure, PutBackAndNotPutBackAreEachNamed) {
  const Spaces spaces;
  ApplyFailure failure;
  failure.refused = 2;
  failure.error = "refused";
  failure.restored = {1};
  failure.not_restored = {{0, "EIO"}};
  EXPECT_EQ(describe_failure(failure, spaces.changes()),
            "set --all-netns: namespace 300 (red) refused: refused; put back 1 namespace "
            "changed before it: 200 (blue); could NOT put back 1 namespace changed before it "
            "(still holding the new values): 100 (host) (EIO)");
}

TEST(DescribeFailure, OnlyNotPutBackNeverClaimsNothingChanged) {
  const Spaces spaces;
  ApplyFailure failure;
  failure.refused = 1;
  failure.error = "refused";
  failure.not_restored = {{0, "EIO"}};
  const std::string message = describe_failure(failure, spaces.changes());
  EXPECT_EQ(message.find("no other namespace had been changed"), std::string::npos) << message;
  EXPECT_NE(message.find("could NOT put back 1 namespace"), std::string::npos) << message;
}

} // namespace
} // namespace kaltune
