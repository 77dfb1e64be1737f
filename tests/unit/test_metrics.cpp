#include "render/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace kaltune {
namespace {

SourcedSettings source(std::string name, std::int64_t time, std::int64_t intvl, std::int64_t probes,
                       const std::string& origin) {
  return sourced(std::move(name), Settings{time, intvl, probes}, origin);
}

TEST(Metrics, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\nd"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_label_value("/etc/sysctl.d/99-x.conf:4"), "/etc/sysctl.d/99-x.conf:4");
}

TEST(Metrics, LabelValuesAreValidUtf8) {
  EXPECT_EQ(escape_label_value("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate, Latin-1.
  EXPECT_EQ(escape_label_value("a\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(escape_label_value("a\xE2\x82"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_label_value("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_label_value("f\xE9te"), "f\xEF\xBF\xBDte");
}

TEST(Metrics, RendersHelpTypeAndSamplesWithoutTimestamps) {
  const std::vector<MetricFamily> families{
      {"kaltune_x_seconds",
       "Help with \\ and\nnewline.",
       "gauge",
       {{{{"a", "1"}, {"b", "\""}}, 5}}},
      {"kaltune_empty", "Left out.", "gauge", {}},
      {"kaltune_y", "Plain.", "gauge", {{{}, -3}}},
  };
  EXPECT_EQ(render_metrics(families), "# HELP kaltune_x_seconds Help with \\\\ and\\nnewline.\n"
                                      "# TYPE kaltune_x_seconds gauge\n"
                                      "kaltune_x_seconds{a=\"1\",b=\"\\\"\"} 5\n"
                                      "# HELP kaltune_y Plain.\n"
                                      "# TYPE kaltune_y gauge\n"
                                      "kaltune_y -3\n");
}

TEST(Metrics, EscapesTheSourceLabel) {
  const std::string text = render_metrics(settings_metrics(
      {sourced("/tmp/a\"b\\c\nd.conf", kernel_defaults, "kernel default")}, std::nullopt));
  EXPECT_NE(text.find("kaltune_tcp_keepalive_probes{source=\"/tmp/a\\\"b\\\\c\\nd.conf\"} 9\n"),
            std::string::npos)
      << text;
  // Every sample stays on one line: a family of 1 sample per key and the detection time, and the
  // origins of every key, with HELP and TYPE each.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'),
            static_cast<std::ptrdiff_t>((key_count + 1) * 3 + 2 + key_count));
}

TEST(Metrics, SettingsOfEachSourceWithOrigins) {
  const std::string text =
      render_metrics(settings_metrics({source("running", 300, 30, 4, "running"),
                                       source("boot", 600, 75, 9, "/etc/sysctl.d/a \"b\".conf:2")},
                                      std::nullopt));
  EXPECT_NE(text.find("kaltune_tcp_keepalive_time_seconds{source=\"running\"} 300\n"
                      "kaltune_tcp_keepalive_time_seconds{source=\"boot\"} 600\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kaltune_tcp_keepalive_probes{source=\"boot\"} 9\n"), std::string::npos);
  EXPECT_NE(text.find("kaltune_tcp_keepalive_detect_seconds{source=\"running\"} 420\n"),
            std::string::npos);
  EXPECT_NE(text.find("kaltune_tcp_keepalive_origin_info{source=\"boot\",key=\"net.ipv4.tcp_"
                      "keepalive_time\",origin=\"/etc/sysctl.d/a \\\"b\\\".conf:2\"} 1\n"),
            std::string::npos)
      << text;
  // One HELP and one TYPE per family, however many sources.
  EXPECT_EQ(text.find("# TYPE kaltune_tcp_keepalive_time_seconds gauge"),
            text.rfind("# TYPE kaltune_tcp_keepalive_time_seconds gauge"));
}

TEST(Metrics, DriftPerKeyAndNetnsLabel) {
  const std::string text =
      render_metrics({drift_metric(source("running", 300, 75, 9, "running"),
                                   source("boot", 600, 75, 9, "f:1"), std::string("blue"))});
  EXPECT_NE(text.find("kaltune_tcp_keepalive_drift{key=\"net.ipv4.tcp_keepalive_time\","
                      "netns=\"blue\"} 1\n"
                      "kaltune_tcp_keepalive_drift{key=\"net.ipv4.tcp_keepalive_intvl\","
                      "netns=\"blue\"} 0\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, SocketCounts) {
  SocketSummary summary;
  summary.established = 7;
  summary.keepalive = 3;
  summary.no_keepalive = 2;
  summary.unacked = 2;
  summary.stale = 1;
  const std::string text = render_metrics(socket_metrics(summary, false, std::nullopt));
  for (const char* line :
       {"kaltune_tcp_connections_established 7\n", "kaltune_tcp_connections_keepalive 3\n",
        "kaltune_tcp_connections_no_keepalive 2\n", "kaltune_tcp_connections_unacked 2\n",
        "kaltune_tcp_connections_stale_keepalive 1\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(Metrics, CheckStatusFindingsAndTheLimitsGiven) {
  const std::vector<Finding> findings{
      {Severity::critical, "x"}, {Severity::warning, "y"}, {Severity::critical, "z"}};
  const std::string text =
      render_metrics(check_metrics(findings, Policy{std::nullopt, 350}, std::nullopt));
  EXPECT_NE(text.find("kaltune_check_status 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kaltune_check_findings{severity=\"warning\"} 1\n"
                      "kaltune_check_findings{severity=\"critical\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("kaltune_check_idle_timeout_seconds 350\n"), std::string::npos);
  EXPECT_EQ(text.find("kaltune_check_max_detect_seconds"), std::string::npos);
  EXPECT_NE(
      render_metrics(check_metrics({}, Policy{}, std::nullopt)).find("kaltune_check_status 0\n"),
      std::string::npos);
}

} // namespace
} // namespace kaltune
