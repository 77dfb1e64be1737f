#include "config/lexer.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

std::string rejoin(const std::vector<ConfLine>& lines) {
  std::string out;
  for (const auto& line : lines) {
    out += line.text;
    out += line.ending;
  }
  return out;
}

TEST(Lexer, KeepsEveryByte) {
  for (std::string_view content :
       {std::string_view(""), std::string_view("\n"), std::string_view("a = 1"),
        std::string_view("a = 1\r\n# c\r\n\r\nb=2"), std::string_view("\xEF\xBB\xBFk = v\n"),
        std::string_view("x\n\n\n"), std::string_view("  ; c \n\t-k\t=\t3 \n")}) {
    EXPECT_EQ(rejoin(lex_conf(content)), content);
  }
}

TEST(Lexer, ClassifiesLines) {
  const std::string content = "# comment\n  ; also\n\n net.ipv4.tcp_keepalive_time =  600 \r\n"
                              "-net/ipv4/tcp_keepalive_intvl=30\nnet.ipv4.tcp_keepalive_probes\n"
                              "a = b = c";
  const auto lines = lex_conf(content);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0].kind, ConfLine::Kind::comment);
  EXPECT_EQ(lines[1].kind, ConfLine::Kind::comment);
  EXPECT_EQ(lines[2].kind, ConfLine::Kind::blank);
  EXPECT_EQ(lines[3].kind, ConfLine::Kind::assignment);
  EXPECT_EQ(lines[3].key(), "net.ipv4.tcp_keepalive_time");
  EXPECT_EQ(lines[3].value(), "600");
  EXPECT_EQ(lines[3].ending, "\r\n");
  EXPECT_EQ(lines[3].number, 4u);
  EXPECT_EQ(lines[4].key(), "-net/ipv4/tcp_keepalive_intvl");
  EXPECT_EQ(lines[4].value(), "30");
  EXPECT_EQ(lines[5].kind, ConfLine::Kind::other);
  EXPECT_EQ(lines[5].key(), "net.ipv4.tcp_keepalive_probes");
  EXPECT_EQ(lines[6].key(), "a");
  EXPECT_EQ(lines[6].value(), "b = c");
  EXPECT_EQ(lines[6].ending, "");
}

TEST(Lexer, ByteOrderMarkIsNotPartOfTheKey) {
  const std::string content = "\xEF\xBB\xBFnet.ipv4.tcp_keepalive_time = 1\n";
  const auto lines = lex_conf(content);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].key(), "net.ipv4.tcp_keepalive_time");
}

TEST(Lexer, ValueSpansAllowSurgicalEdits) {
  const std::string content = "k =  600  # note\n";
  const auto lines = lex_conf(content);
  std::string edited(lines[0].text);
  edited.replace(lines[0].value_begin, lines[0].value_end - lines[0].value_begin, "5");
  EXPECT_EQ(edited, "k =  5");
}

} // namespace
} // namespace kaltune

namespace kaltune {
namespace {

TEST(Lexer, SystemdLineBreaksEndLinesAtLoneCarriageReturnsAndNul) {
  const std::string content("a=1\rb=2\r\nc=3\0d=4\n\re=5", 21);
  const auto lf = lex_conf(content, LineBreaks::lf);
  ASSERT_EQ(lf.size(), 3u);
  EXPECT_EQ(lf[0].text, std::string_view("a=1\rb=2"));
  EXPECT_EQ(lf[0].ending, "\r\n");
  EXPECT_EQ(lf[1].text, std::string_view("c=3\0d=4", 7));
  EXPECT_EQ(lf[2].text, "\re=5");
  const auto systemd = lex_conf(content, LineBreaks::systemd);
  ASSERT_EQ(systemd.size(), 6u);
  EXPECT_EQ(systemd[0].text, "a=1");
  EXPECT_EQ(systemd[0].ending, "\r");
  EXPECT_EQ(systemd[1].text, "b=2");
  EXPECT_EQ(systemd[1].ending, "\r\n");
  EXPECT_EQ(systemd[2].ending, std::string_view("\0", 1));
  EXPECT_EQ(systemd[3].text, "d=4");
  EXPECT_EQ(systemd[4].text, "");
  EXPECT_EQ(systemd[4].ending, "\r");
  EXPECT_EQ(systemd[5].text, "e=5");
  for (const auto& lines : {lf, systemd}) {
    std::string joined;
    for (const auto& line : lines) {
      joined += std::string(line.text) + std::string(line.ending);
    }
    EXPECT_EQ(joined, content);
  }
}

} // namespace
} // namespace kaltune
