// The words of a refused `set --all-netns`: they must tell the truth about every namespace.
#include "render/netns.hpp"

#include <gtest/gtest.h>

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
