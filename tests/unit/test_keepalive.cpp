#include "base/keepalive.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

TEST(Keepalive, DetectionIsTimePlusIntvlTimesProbes) {
  EXPECT_EQ(detect_seconds(kernel_defaults), 7875);
  EXPECT_EQ(detect_seconds(Settings{5, 1, 1}), 6);
  EXPECT_EQ(detect_seconds(Settings{300, 10, 3}), 330);
  EXPECT_EQ(detect_seconds(Settings{600, 30, 0}), 600);
}

TEST(Keepalive, DefaultsRaiseNoWarning) {
  EXPECT_TRUE(assess(kernel_defaults).empty());
}

TEST(Keepalive, WarnsOutsideSocketApi) {
  auto warnings = assess(Settings{0, -1, 0});
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0].key, Key::time);
  EXPECT_NE(warnings[0].message.find("net.ipv4.tcp_keepalive_time = 0 is outside what the socket "
                                     "API accepts (1-32767)"),
            std::string::npos)
      << warnings[0].message;
  EXPECT_NE(warnings[2].message.find("resets even healthy idle connections"), std::string::npos);
  EXPECT_FALSE(assess(Key::probes, 127));
  EXPECT_TRUE(assess(Key::probes, 128));
  EXPECT_TRUE(assess(Key::time, 32768));
}

} // namespace
} // namespace kaltune
