// What the kernel stores for a written value: the table was checked against the real kernel
// (writes to /proc/sys/net/ipv4/tcp_keepalive_* in a private network namespace, HZ=250).

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
      {Key::time, "8589934", 8589934, ""},
      {Key::time, "8589935", std::nullopt, "\"8589935\" is beyond 8589934 s"},
      {Key::time, "-8589935", std::nullopt, "\"-8589935\" is beyond"},
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

} // namespace
} // namespace kaltune
