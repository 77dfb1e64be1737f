#include "core/diff.hpp"
#include "render/diff.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kaltune {
namespace {

SourceDiff running_vs_boot() {
  SourcedSettings running = sourced("running", kernel_defaults, "running");
  SourcedSettings boot = sourced("boot", kernel_defaults, "kernel default");
  boot[Key::time] = {600, "/etc/sysctl.d/99-kaltune.conf:3"};
  return diff_sources(running, boot);
}

TEST(DiffSources, ValuesNotOriginsDecide) {
  EXPECT_EQ(running_vs_boot().different, std::vector<Key>{Key::time});
  const SourceDiff same = diff_sources(sourced("running", kernel_defaults, "running"),
                                       sourced("default", kernel_defaults, "kernel default"));
  EXPECT_TRUE(same.identical());
}

TEST(RenderUnified, ExactOutput) {
  EXPECT_EQ(render_unified(running_vs_boot(), Style(false)),
            "--- running\n"
            "+++ boot\n"
            "-net.ipv4.tcp_keepalive_time = 7200\n"
            "+net.ipv4.tcp_keepalive_time = 600  # /etc/sysctl.d/99-kaltune.conf:3\n"
            " net.ipv4.tcp_keepalive_intvl = 75  # kernel default\n"
            " net.ipv4.tcp_keepalive_probes = 9  # kernel default\n"
            " net.ipv4.tcp_retries2 = 15  # kernel default\n");
}

TEST(RenderUnified, IdenticalPrintsNothing) {
  const SourceDiff same = diff_sources(sourced("running", kernel_defaults, "running"),
                                       sourced("default", kernel_defaults, "kernel default"));
  EXPECT_EQ(render_unified(same, Style(false)), "");
}

TEST(RenderUnified, ColourOnlyWhenAsked) {
  const std::string coloured = render_unified(running_vs_boot(), Style(true));
  EXPECT_NE(coloured.find("\033[31m-net.ipv4.tcp_keepalive_time = 7200\033[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\033[32m+net.ipv4"), std::string::npos);
  EXPECT_EQ(render_unified(running_vs_boot(), Style(false)).find('\033'), std::string::npos);
}

TEST(RenderDiffTable, ExactOutput) {
  EXPECT_EQ(render_diff_table(running_vs_boot(), Style(false)),
            "  KEY                            running       boot          ORIGIN (running)  "
            "ORIGIN (boot)\n"
            "* net.ipv4.tcp_keepalive_time    7200 s (2h)   600 s (10m)   running           "
            "/etc/sysctl.d/99-kaltune.conf:3\n"
            "  net.ipv4.tcp_keepalive_intvl   75 s (1m15s)  75 s (1m15s)  running           "
            "kernel default\n"
            "  net.ipv4.tcp_keepalive_probes  9             9             running           "
            "kernel default\n"
            "  net.ipv4.tcp_retries2          15            15            running           "
            "kernel default\n"
            "\n"
            "Dead peer detected after: idle (time + intvl \u00d7 probes) running 7875 s "
            "(2h11m15s), boot 1275 s (21m15s); busy (tcp_retries2, from the first "
            "retransmission) running 924.6 s, boot 924.6 s\n"
            "1 of 4 keys differ\n");
}

TEST(DiffJson, Schema) {
  const auto json = to_json(running_vs_boot());
  EXPECT_EQ(json["identical"], false);
  EXPECT_EQ(json["a"]["source"], "running");
  EXPECT_EQ(json["b"]["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 600);
  EXPECT_EQ(json["b"]["settings"]["net.ipv4.tcp_keepalive_time"]["origin"],
            "/etc/sysctl.d/99-kaltune.conf:3");
  EXPECT_EQ(json["b"]["detect_seconds"], 1275);
  ASSERT_EQ(json["differences"].size(), 1u);
  EXPECT_EQ(json["differences"][0]["key"], "net.ipv4.tcp_keepalive_time");
  EXPECT_EQ(json["differences"][0]["a"], 7200);
  EXPECT_EQ(json["differences"][0]["b"], 600);
}

} // namespace
} // namespace kaltune
