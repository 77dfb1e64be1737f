#include "render/changes.hpp"
#include "render/json.hpp"
#include "render/persist.hpp"
#include "render/policy.hpp"
#include "render/settings.hpp"
#include "render/sockets.hpp"
#include "render/style.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace kaltune {
namespace {

ShowReport running_defaults() {
  ShowReport report;
  report.settings = sourced("running", kernel_defaults, "running");
  return report;
}

TEST(RenderTable, ExactText) {
  EXPECT_EQ(render_table(running_defaults(), Style()),
            "running values:\n"
            "  KEY                            VALUE              MEANING\n"
            "  net.ipv4.tcp_keepalive_time    7200 s (2h)        idle time before the first "
            "keepalive probe\n"
            "  net.ipv4.tcp_keepalive_intvl   75 s (1m15s)       time between unanswered probes\n"
            "  net.ipv4.tcp_keepalive_probes  9                  unanswered probes before the peer "
            "is declared dead\n"
            "  net.ipv4.tcp_retries2          15                 retransmissions of unacknowledged "
            "data before the connection is given up\n"
            "\n"
            "Idle: a dead peer is detected after 7875 s (2h11m15s) = time + intvl \u00d7 probes = "
            "7200 + 75 \u00d7 9, on sockets with SO_KEEPALIVE that do not override it "
            "(TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT)\n"
            "Busy: with data in flight keepalive does nothing: tcp_retries2 15 gives the "
            "connection up 924.6 s after its first retransmission (tcp_model_timeout), that is "
            "924.8 s to 1046.212 s after the last send (at the latest 1177.489 s with the timer's "
            "lateness) for RTOs of 0.2 s\u20131 s; an outage shorter than 701.638 s is survived; a "
            "socket's TCP_USER_TIMEOUT replaces it\n");
}

TEST(RenderTable, NamesTheNamespace) {
  auto report = running_defaults();
  report.netns = "/run/netns/blue";
  EXPECT_EQ(render_table(report, Style()).substr(0, 48),
            "running values of network namespace /run/netns/b");
}

TEST(RenderSysctl, ExactText) {
  EXPECT_EQ(render_sysctl(sourced("running", Settings{5, 1, 1}, "running")),
            "net.ipv4.tcp_keepalive_time = 5\n"
            "net.ipv4.tcp_keepalive_intvl = 1\n"
            "net.ipv4.tcp_keepalive_probes = 1\n"
            "net.ipv4.tcp_retries2 = 15\n");
}

TEST(RenderJson, ExactText) {
  EXPECT_EQ(to_json(running_defaults()).dump(),
            R"({"source":"running","netns":null,"settings":{)"
            R"("net.ipv4.tcp_keepalive_time":{"value":7200,"unit":"seconds","origin":"running"},)"
            R"("net.ipv4.tcp_keepalive_intvl":{"value":75,"unit":"seconds","origin":"running"},)"
            R"("net.ipv4.tcp_keepalive_probes":{"value":9,"unit":"count","origin":"running"},)"
            R"("net.ipv4.tcp_retries2":{"value":15,"unit":"count","origin":"running"}},)"
            R"("detect_seconds":7875,"busy":{"rule":"tcp_retries2","limit_ms":924600,)"
            R"("earliest_ms":924800,"worst_ms":1046212,"latest_ms":1177489,"survives_ms":701638},)"
            R"("warnings":[]})");
}

TEST(RenderJson, CarriesWarnings) {
  ShowReport report;
  report.settings = sourced("running", Settings{7200, 75, 0}, "running");
  const auto json = to_json(report);
  ASSERT_EQ(json["warnings"].size(), 1u);
  EXPECT_EQ(json["warnings"][0]["key"], "net.ipv4.tcp_keepalive_probes");
  EXPECT_EQ(json["warnings"][0]["value"], 0);
  EXPECT_EQ(json["busy"]["limit_ms"], 924600);
}

TEST(SettingsJson, OneShapeWithOrigins) {
  SourcedSettings settings = sourced("boot", Settings{600, 30, 4}, "kernel default");
  settings[Key::time].origin = "/etc/sysctl.d/50-a.conf:2";
  EXPECT_EQ(
      settings_json(settings).dump(),
      R"({"net.ipv4.tcp_keepalive_time":)"
      R"({"value":600,"unit":"seconds","origin":"/etc/sysctl.d/50-a.conf:2"},)"
      R"("net.ipv4.tcp_keepalive_intvl":{"value":30,"unit":"seconds","origin":"kernel default"},)"
      R"("net.ipv4.tcp_keepalive_probes":{"value":4,"unit":"count","origin":"kernel default"},)"
      R"("net.ipv4.tcp_retries2":{"value":15,"unit":"count","origin":"kernel default"}})");
}

TEST(SettingsJson, EveryReportUsesIt) {
  const Settings after{600, 30, 4};
  const auto expected = settings_json(sourced("running", after, "running"));
  EXPECT_EQ(to_json(ChangeReport{kernel_defaults, after, {}, false})["settings"], expected);
  EXPECT_EQ(to_json(CheckReport{after, {}, {}})["settings"], expected);
  EXPECT_EQ(to_json(SocketSummary{}, after, false, true)["settings"], expected);
}

TEST(RenderChanges, ExactText) {
  const Settings after{5, 1, 9};
  ChangeReport report{kernel_defaults, after, plan_changes(kernel_defaults, after), false};
  EXPECT_EQ(render_changes(report, Style()),
            "set net.ipv4.tcp_keepalive_time: 7200 \u2192 5\n"
            "set net.ipv4.tcp_keepalive_intvl: 75 \u2192 1\n"
            "dead peer detected after: 7875 s (2h11m15s) \u2192 14 s\n");
  report.dry_run = true;
  EXPECT_EQ(render_changes(report, Style()),
            "would set net.ipv4.tcp_keepalive_time: 7200 \u2192 5\n"
            "would set net.ipv4.tcp_keepalive_intvl: 75 \u2192 1\n"
            "dead peer detected after: 7875 s (2h11m15s) \u2192 14 s\n"
            "dry run: nothing was written\n");
}

TEST(RenderChanges, LinesLeaveTheDryRunLineToTheCaller) {
  const Settings after{5, 75, 9};
  const ChangeReport report{kernel_defaults, after, plan_changes(kernel_defaults, after), true};
  EXPECT_EQ(render_change_lines(report, Style()),
            "would set net.ipv4.tcp_keepalive_time: 7200 \u2192 5\n"
            "dead peer detected after: 7875 s (2h11m15s) \u2192 680 s (11m20s)\n");
}

TEST(RenderPersist, OneDryRunLineAtTheEnd) {
  const Settings after{5, 75, 9};
  PersistReport report;
  report.runtime = ChangeReport{kernel_defaults, after, plan_changes(kernel_defaults, after), true};
  report.plan.path = report.plan.target = "/etc/sysctl.d/99-kaltune.conf";
  report.plan.after = "net.ipv4.tcp_keepalive_time = 5\n";
  report.dry_run = true;
  EXPECT_EQ(render_persist(report, Style()),
            "would set net.ipv4.tcp_keepalive_time: 7200 \u2192 5\n"
            "dead peer detected after: 7875 s (2h11m15s) \u2192 680 s (11m20s)\n"
            "--- /dev/null\n"
            "+++ /etc/sysctl.d/99-kaltune.conf\n"
            "@@ -0,0 +1 @@\n"
            "+net.ipv4.tcp_keepalive_time = 5\n"
            "dry run: nothing was written\n");
}

// The words users read when set --persist refuses (the decision itself is tested on data in
// test_persist).
BootProblem problem(BootProblemKind kind, BootStage stage, const std::string& file,
                    std::size_t line) {
  BootProblem p;
  p.key = Key::time;
  p.value = 7200;
  p.kind = kind;
  p.assignment.key = Key::time;
  p.assignment.stage = stage;
  p.assignment.file = file;
  p.assignment.target = file;
  p.assignment.line = line;
  p.assignment.text = "7200";
  p.plan_path = "/etc/sysctl.d/99-kaltune.conf";
  return p;
}

TEST(DescribeBootProblems, ALaterFile) {
  EXPECT_EQ(describe_boot_problems({problem(BootProblemKind::later_file, BootStage::applier,
                                            "/usr/lib/sysctl.d/99-vendor.conf", 3)}),
            "boot would apply net.ipv4.tcp_keepalive_time = 7200 from "
            "/usr/lib/sysctl.d/99-vendor.conf:3, which is applied after "
            "/etc/sysctl.d/99-kaltune.conf (systemd model); change it there with --file "
            "/usr/lib/sysctl.d/99-vendor.conf");
}

TEST(DescribeBootProblems, TheKernelCommandLineAndTwoProblemsJoined) {
  BootProblem probes = problem(BootProblemKind::not_read, BootStage::applier, "", 0);
  probes.key = Key::probes;
  probes.value = 9;
  EXPECT_EQ(describe_boot_problems({problem(BootProblemKind::other_source,
                                            BootStage::kernel_cmdline, "/etc/kernel/cmdline", 0),
                                    probes}),
            "boot would leave net.ipv4.tcp_keepalive_time = 7200 from the kernel command line: "
            "'7200' in /etc/kernel/cmdline, which no file of the applier overrides; remove the "
            "parameter there (and regenerate the boot loader configuration: update-grub, or "
            "kernel-install for /etc/kernel/cmdline); boot would leave "
            "net.ipv4.tcp_keepalive_probes = 9 (kernel default): /etc/sysctl.d/99-kaltune.conf "
            "is not applied at boot (systemd model: not a *.conf file of a sysctl.d directory, or "
            "shadowed or masked by a file of the same name in a directory read first); without "
            "--file kaltune writes /etc/sysctl.d/99-kaltune.conf");
}

TEST(RenderChanges, NothingToChange) {
  ChangeReport report{kernel_defaults, kernel_defaults, {}, false};
  EXPECT_EQ(render_changes(report, Style()),
            "running: nothing to change; already time 7200 intvl 75 probes 9 tcp_retries2 15\n");
}

TEST(Style, ColourOnlyWhenAsked) {
  EXPECT_EQ(Style(false).warn("x"), "x");
  EXPECT_EQ(Style(true).warn("x"), "\033[33mx\033[0m");
  EXPECT_TRUE(use_color(ColorWhen::auto_, true, false));
  EXPECT_FALSE(use_color(ColorWhen::auto_, true, true));
  EXPECT_FALSE(use_color(ColorWhen::auto_, false, false));
  EXPECT_TRUE(use_color(ColorWhen::always, false, true));
  EXPECT_FALSE(use_color(ColorWhen::never, true, false));
}

} // namespace
} // namespace kaltune
