#include "core/duration.hpp"
#include "core/validate.hpp"
#include "render/duration.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace kaltune {
namespace {

struct DurationCase {
  const char* text;
  std::optional<std::int64_t> seconds; // nullopt: rejected
};

class ParseDuration : public ::testing::TestWithParam<DurationCase> {};

TEST_P(ParseDuration, ParsesOrRejects) {
  const auto& c = GetParam();
  auto result = parse_duration(c.text);
  if (c.seconds) {
    ASSERT_TRUE(result.ok()) << c.text << ": " << result.error();
    EXPECT_EQ(*result, *c.seconds) << c.text;
  } else {
    EXPECT_FALSE(result.ok()) << c.text << " parsed as " << *result;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseDuration,
    ::testing::Values(DurationCase{"0", 0}, DurationCase{"5", 5}, DurationCase{"90s", 90},
                      DurationCase{"5m", 300}, DurationCase{"1h30m", 5400},
                      DurationCase{"1h30m15s", 5415}, DurationCase{"1d", 86400},
                      DurationCase{"2h", 7200}, DurationCase{"32767", 32767},
                      DurationCase{"-1", std::nullopt}, DurationCase{"+5", std::nullopt},
                      DurationCase{"1e3", std::nullopt}, DurationCase{"5.5", std::nullopt},
                      DurationCase{"99999999999", 99999999999},
                      DurationCase{"99999999999999999999", std::nullopt},
                      DurationCase{" 5", std::nullopt}, DurationCase{"5 ", std::nullopt},
                      DurationCase{"", std::nullopt}, DurationCase{"0300", std::nullopt},
                      DurationCase{"0x10", std::nullopt}, DurationCase{"5x", std::nullopt},
                      DurationCase{"m", std::nullopt}, DurationCase{"30m1h", std::nullopt},
                      DurationCase{"1h1h", std::nullopt}, DurationCase{"1h30", std::nullopt},
                      DurationCase{"5S", std::nullopt}, DurationCase{"\"600\"", std::nullopt}));

TEST(ParseCount, AcceptsOnlyPlainDecimal) {
  EXPECT_EQ(*parse_count("9"), 9);
  EXPECT_EQ(*parse_count("0"), 0);
  for (const char* bad : {"", "-1", "+1", "9s", "1e3", "0x10", "010", " 9", "9 ", "1.0"}) {
    EXPECT_FALSE(parse_count(bad).ok()) << bad;
  }
}

// Each kind of bad number has its words; a count is "a whole number", a duration one of seconds.
TEST(ParseCount, ProblemsInWords) {
  EXPECT_EQ(parse_count("x").error(), "expected a whole number");
  EXPECT_EQ(parse_count("5s").error(), "expected a whole number");
  EXPECT_EQ(parse_count("07").error(), "leading zero (the kernel would read it as octal)");
  EXPECT_EQ(parse_count("99999999999999").error(), "too large");
  EXPECT_EQ(parse_duration("x").error(), "expected a whole number of seconds");
  EXPECT_EQ(parse_duration("1hx").error(), "expected a whole number of seconds");
  EXPECT_EQ(parse_duration("07").error(), "leading zero (the kernel would read it as octal)");
  EXPECT_EQ(parse_duration("99999999999999").error(), "too large");
}

TEST(ParseSignedDuration, AcceptsNegatives) {
  EXPECT_EQ(*parse_signed_duration("-1"), -1);
  EXPECT_EQ(*parse_signed_duration("-1m"), -60);
  EXPECT_EQ(*parse_signed_duration("0"), 0);
  EXPECT_FALSE(parse_signed_duration("--1").ok());
  EXPECT_FALSE(parse_signed_duration("-").ok());
}

TEST(ParseValue, RangeDependsOnForce) {
  EXPECT_EQ(*parse_value(Key::time, "32767", false), 32767);
  EXPECT_FALSE(parse_value(Key::time, "32768", false).ok());
  EXPECT_FALSE(parse_value(Key::time, "0", false).ok());
  EXPECT_EQ(*parse_value(Key::time, "0", true), 0);
  EXPECT_EQ(*parse_value(Key::intvl, "-5", true), -5);
  EXPECT_EQ(*parse_value(Key::probes, "127", false), 127);
  EXPECT_FALSE(parse_value(Key::probes, "128", false).ok());
  EXPECT_EQ(*parse_value(Key::probes, "255", true), 255);
  EXPECT_FALSE(parse_value(Key::probes, "256", true).ok());
  EXPECT_FALSE(parse_value(Key::probes, "-1", true).ok());
  EXPECT_FALSE(parse_value(Key::probes, "5s", false).ok());
}

TEST(ParseValue, MessageNamesKeyValueAndRange) {
  EXPECT_EQ(parse_value(Key::time, "5.5", false).error(),
            "invalid net.ipv4.tcp_keepalive_time (--time) value '5.5': expected seconds or a "
            "duration such as 90s, 5m, 1h30m, 1d; accepted 1-32767 s");
  EXPECT_EQ(parse_value(Key::probes, "0", false).error(),
            "invalid net.ipv4.tcp_keepalive_probes (--probes) value '0': out of range; accepted "
            "1-127 (--force allows what the kernel accepts)");
  EXPECT_EQ(parse_value(Key::intvl, "99999999999", false).error(),
            "invalid net.ipv4.tcp_keepalive_intvl (--intvl) value '99999999999': out of range; "
            "accepted 1-32767 s");
}

TEST(HumanDuration, LargestUnitsFirst) {
  EXPECT_EQ(human_duration(0), "0s");
  EXPECT_EQ(human_duration(5), "5s");
  EXPECT_EQ(human_duration(75), "1m15s");
  EXPECT_EQ(human_duration(7200), "2h");
  EXPECT_EQ(human_duration(7875), "2h11m15s");
  EXPECT_EQ(human_duration(90061), "1d1h1m1s");
  EXPECT_EQ(human_duration(-60), "-1m");
}

TEST(SecondsWithHuman, AddsHumanFormFromAMinute) {
  EXPECT_EQ(seconds_with_human(5), "5 s");
  EXPECT_EQ(seconds_with_human(-1), "-1 s");
  EXPECT_EQ(seconds_with_human(60), "60 s (1m)");
  EXPECT_EQ(seconds_with_human(7200), "7200 s (2h)");
}

} // namespace
} // namespace kaltune
