#include "render/unified.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

std::string diff(std::string_view a, std::string_view b) {
  return unified_text_diff("/etc/a.conf", "/etc/a.conf", a, b, Style(false));
}

TEST(UnifiedTextDiff, EqualTextsGiveNothing) {
  EXPECT_EQ(diff("a\nb\n", "a\nb\n"), "");
}

TEST(UnifiedTextDiff, OneChangedLineWithContext) {
  EXPECT_EQ(diff("1\n2\n3\n4\nk = 1\n6\n7\n8\n9\n", "1\n2\n3\n4\nk = 2\n6\n7\n8\n9\n"),
            "--- /etc/a.conf\n+++ /etc/a.conf\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-k = 1\n+k = 2\n 6\n"
            " 7\n 8\n");
}

TEST(UnifiedTextDiff, NewFileFromDevNull) {
  EXPECT_EQ(unified_text_diff("/dev/null", "/etc/x.conf", "", "a\nb\n", Style(false)),
            "--- /dev/null\n+++ /etc/x.conf\n@@ -0,0 +1,2 @@\n+a\n+b\n");
}

TEST(UnifiedTextDiff, RemovedFile) {
  EXPECT_EQ(unified_text_diff("/etc/x.conf", "/dev/null", "a\n", "", Style(false)),
            "--- /etc/x.conf\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n");
}

TEST(UnifiedTextDiff, NoNewlineAtEndOfFile) {
  EXPECT_EQ(diff("a = 1", "a = 1\nb = 2"),
            "--- /etc/a.conf\n+++ /etc/a.conf\n@@ -1 +1,2 @@\n-a = 1\n\\ No newline at end of "
            "file\n+a = 1\n+b = 2\n\\ No newline at end of file\n");
}

TEST(UnifiedTextDiff, DistantChangesGetTwoHunks) {
  std::string a;
  std::string b;
  for (int i = 1; i <= 20; ++i) {
    a += std::to_string(i) + "\n";
    b += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
  }
  EXPECT_EQ(diff(a, b), "--- /etc/a.conf\n+++ /etc/a.conf\n"
                        "@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"
                        "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+x\n 19\n 20\n");
}

} // namespace
} // namespace kaltune
