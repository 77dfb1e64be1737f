#include "render/boot.hpp"
#include "render/json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace kaltune {
namespace {

BootView sample() {
  const ConfNode file{"/etc/sysctl.d/50-a.conf", "/etc/sysctl.d/50-a.conf", NodeKind::regular,
                      "net.ipv4.tcp_keepalive_time = 0300\n"
                      "net.ipv4.tcp_keepalive_time = 600 700\n"
                      "net.ipv4.tcp_keepalive_probes = x\n"};
  return resolve_file(file, BootModel::procps);
}

TEST(RenderBoot, AssignmentsInOrderWithTheWinnerMarked) {
  const std::string table = render_boot_table(sample(), true, Style());
  const std::string expected =
      "Assignments, in the order procps sysctl --system (procps 4.0.2) reads them ('*' marks the "
      "winner):\n"
      "  net.ipv4.tcp_keepalive_time\n"
      "    /etc/sysctl.d/50-a.conf:1                0300 \u2192 192       applied \u2014 the "
      "kernel reads 0300 as octal: 192; overridden by /etc/sysctl.d/50-a.conf:2\n"
      "  * /etc/sysctl.d/50-a.conf:2                600 700 \u2192 600    applied, wins \u2014 "
      "the kernel stores 600 and ignores \"700\"\n"
      "  net.ipv4.tcp_keepalive_intvl\n"
      "    none: the kernel default stays\n"
      "  net.ipv4.tcp_keepalive_probes\n"
      "    /etc/sysctl.d/50-a.conf:3                x (rejected)     rejected by the kernel "
      "\u2014 \"x\" is not a number: the kernel rejects it (EINVAL)\n"
      "  net.ipv4.tcp_retries2\n"
      "    none: the kernel default stays\n";
  ASSERT_NE(table.find("Assignments"), std::string::npos) << table;
  EXPECT_EQ(table.substr(table.find("Assignments")), expected);
  EXPECT_NE(table.find("kernel default (not set in /etc/sysctl.d/50-a.conf)"), std::string::npos)
      << table;
}

TEST(RenderBoot, JsonExtendsTheFoundationSchema) {
  std::ostringstream text;
  write_json(text, sample(), true);
  const auto json = nlohmann::ordered_json::parse(text.str());
  EXPECT_EQ(json["source"], "/etc/sysctl.d/50-a.conf");
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 600);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["origin"], "/etc/sysctl.d/50-a.conf:2");
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_intvl"]["origin"], "kernel default");
  EXPECT_EQ(json["model"], "procps");
  EXPECT_EQ(json["not_assigned"], nlohmann::ordered_json::array(
                                      {"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_retries2"}));
  ASSERT_EQ(json["assignments"].size(), 3u);
  EXPECT_EQ(json["assignments"][1]["winner"], true);
  EXPECT_EQ(json["assignments"][2]["value"], nullptr);
  EXPECT_EQ(json["assignments"][2]["written"], true);
  EXPECT_EQ(json["detect_seconds"], 600 + 75 * 9);
  // Streamed member by member, the text is still exactly what dump_json makes of the whole.
  EXPECT_EQ(dump_json(json) + "\n", text.str());
}

TEST(JsonStream, WritesWhatDumpJsonWritesOfTheWhole) {
  nlohmann::ordered_json nested = {{"a", {1, 2}}, {"b", {{"c", nullptr}}}, {"d", "x\ny"}};
  std::ostringstream text;
  JsonStream json(text);
  json.member("n", 1);
  json.begin_array("empty");
  json.end_array();
  json.begin_array("list");
  json.element(nested);
  json.element("\xff not UTF-8");
  json.element(nlohmann::ordered_json::array());
  json.end_array();
  json.member("o", nested);
  json.end();
  nlohmann::ordered_json whole = {
      {"n", 1},
      {"empty", nlohmann::ordered_json::array()},
      {"list", {nested, "\xff not UTF-8", nlohmann::ordered_json::array()}},
      {"o", nested}};
  EXPECT_EQ(text.str(), dump_json(whole) + "\n");
}

TEST(JsonStream, AnEmptyObjectIsBraces) {
  std::ostringstream text;
  JsonStream(text).end();
  EXPECT_EQ(text.str(), "{}\n");
}

} // namespace
} // namespace kaltune
