// What the kernel stores for a written value: the table was checked against the real kernel
// (writes to /proc/sys/net/ipv4/tcp_keepalive_* in a private network namespace, HZ=250), except
// the limit of time/intvl, which is kaltune's one limit for every kernel (kernel_range).

#include "config/kernel_value.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

struct Case {
  Key key;
  std::string_view text;
  std::optional<std::int64_t> stored;
  std::string_view note; // "" when the value reads as it looks; a prefix otherwise
};

TEST(KernelValue, ReadsLikeTheKernel) {
  const Case cases[] = {
      {Key::time, "600", 600, ""},
      {Key::time, "0300", 192, "the kernel reads 0300 as octal: 192"},
      {Key::time, "0x258", 600, "the kernel reads 0x258 as hexadecimal: 600"},
      {Key::time, "0X258", 600, "the kernel reads 0X258 as hexadecimal: 600"},
      {Key::time, "600 700", 600, "the kernel stores 600 and ignores \"700\""},
      {Key::time, "600 # c", 600, "the kernel stores 600 and ignores \"# c\""},
      {Key::time, "600\t7", 600, "the kernel stores 600 and ignores \"7\""},
      {Key::time, "600#c", std::nullopt, "\"600#c\": the kernel rejects '#' after the number"},
      {Key::time, "08", std::nullopt, "\"08\": the kernel rejects '8'"},
      {Key::time, "0x", std::nullopt, "\"0x\": the kernel rejects 'x'"},
      {Key::time, "+5", std::nullopt, "\"+5\" is not a number"},
      {Key::time, "-5", -5, ""},
      {Key::time, "-0", 0, ""},
      {Key::time, "2147483", 2147483, ""},
      {Key::time, "-2147483", -2147483, ""},
      {Key::time, "2147484", std::nullopt, "\"2147484\" is beyond 2147483 s"},
      {Key::time, "-2147484", std::nullopt, "\"-2147484\" is beyond"},
      {Key::intvl, "8589934", std::nullopt, "\"8589934\" is beyond"},
      {Key::time, "99999999999", std::nullopt, "\"99999999999\" is beyond"},
      {Key::time, "18446744073709551616", std::nullopt, "\"18446744073709551616\" overflows"},
      {Key::time, "\"600\"", std::nullopt, "\"\"600\"\" is not a number"},
      {Key::time, "abc", std::nullopt, "\"abc\" is not a number"},
      {Key::time, "600abc", std::nullopt, "\"600abc\": the kernel rejects 'a'"},
      {Key::time, "5.5", std::nullopt, "\"5.5\": the kernel rejects '.'"},
      {Key::time, "", std::nullopt, "an empty value"},
      {Key::time, "00000000000000000600", 384, "the kernel reads 00000000000000000600 as octal"},
      {Key::time, "000000000000000000000600", std::nullopt,
       "\"000000000000000000000600\" is "
       "longer than the kernel reads"},
      {Key::intvl, "0x7fffffff", std::nullopt, "\"0x7fffffff\" is beyond"},
      {Key::probes, "255", 255, ""},
      {Key::probes, "256", std::nullopt, "\"256\" is above 255"},
      {Key::probes, "-1", std::nullopt, "\"-1\" is negative"},
      {Key::probes, "-0", std::nullopt, "\"-0\" is negative"},
      {Key::probes, "0377", 255, "the kernel reads 0377 as octal: 255"},
      {Key::probes, "1 2", 1, "the kernel stores 1 and ignores \"2\""},
      {Key::probes, "7\rx", std::nullopt, "\"7\\rx\": the kernel rejects '\\r'"},
  };
  for (const Case& c : cases) {
    const KernelValue got = parse_kernel_value(c.key, c.text);
    EXPECT_EQ(got.value, c.stored) << c.text;
    if (c.note.empty()) {
      EXPECT_EQ(got.note, "") << c.text;
    } else {
      EXPECT_EQ(got.note.substr(0, c.note.size()), c.note) << c.text;
    }
  }
}

// The boot view's limit is the one of validation and --force: kernel_range, nothing else.
TEST(KernelValue, LimitIsKernelRange) {
  for (Key key : all_keys) {
    const Range range = kernel_range(key);
    EXPECT_EQ(parse_kernel_value(key, std::to_string(range.max)).value, range.max);
    EXPECT_EQ(parse_kernel_value(key, std::to_string(range.max + 1)).value, std::nullopt);
    if (key != Key::probes) {
      EXPECT_EQ(parse_kernel_value(key, std::to_string(range.min)).value, range.min);
      EXPECT_EQ(parse_kernel_value(key, std::to_string(range.min - 1)).value, std::nullopt);
    }
  }
  EXPECT_EQ(kernel_range(Key::time).max, 2147483647 / 1000);
}

// The three steps one at a time.
TEST(KernelValue, ScanStoreNote) {
  const auto number = scan_kernel_number(" 0x10 junk ");
  ASSERT_TRUE(number);
  EXPECT_EQ(number->base, 16);
  EXPECT_EQ(number->magnitude, 16u);
  EXPECT_EQ(number->consumed, "0x10");
  EXPECT_EQ(number->ignored, "junk");
  EXPECT_EQ(*stored_value(Key::probes, *number, "0x10 junk"), 16);
  EXPECT_EQ(reads_differently(*number, 16),
            "the kernel reads 0x10 as hexadecimal: 16; the kernel stores 16 and ignores \"junk\"");
  EXPECT_EQ(scan_kernel_number("+5").error(), "\"+5\" is not a number: the kernel rejects it "
                                              "(EINVAL)");
  const auto big = scan_kernel_number("300");
  ASSERT_TRUE(big);
  EXPECT_EQ(stored_value(Key::probes, *big, "300").error(),
            "\"300\" is above 255: the kernel rejects it (EINVAL)");
  EXPECT_EQ(reads_differently(*big, 300), "");
}

} // namespace
} // namespace kaltune
