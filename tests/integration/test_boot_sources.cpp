// The boot sources besides the sysctl.d files against the real programs: systemd-sysctl 252
// with CREDENTIALS_DIRECTORY holding sysctl.extra, and the kernel command line replayed by
// writing its values first (as the kernel does before init) and then running the real applier,
// over layouts that also have files. kaltune's boot view must agree with what is left in the
// private network namespace, and with the values recorded here.

#include "../common/layouts.hpp"
#include "harness.hpp"
#include "persist_fixture.hpp"
#include "replay.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace kaltune::itest {
namespace {

using namespace layouts;

struct SourceCase {
  std::string name;
  std::string model;
  std::vector<Entry> entries;
  BootExtras extras; // what the real boot does besides the applier's files
  Values expected;
  // What only the real programs get: the credential PID 1 imports from the command line
  // (systemd.set_credential=sysctl.extra:TEXT becomes /run/credentials/@system/sysctl.extra
  // holding TEXT, no newline added), which kaltune must find on the command line itself.
  std::vector<Entry> imported = {};
};

void PrintTo(const SourceCase& c, std::ostream* os) {
  *os << c.model << "/" << c.name;
}

const char* const credential = "run/credentials/@system/sysctl.extra";
const char* const grub = "etc/default/grub";

std::vector<SourceCase> source_cases() {
  const BootExtras with_credential{{}, true};
  return {
      {"credential_after_every_file",
       "systemd",
       {file("etc/sysctl.d/50-a.conf", set(K_TIME, "100")),
        file("etc/sysctl.d/99-kaltune.conf", set(K_INTVL, "10")),
        file(credential, set(K_TIME, "200"))},
       with_credential,
       {200, 10, 9}},
      {"credential_exclusion_cancels_a_file_line",
       "systemd",
       {file("etc/sysctl.d/50-a.conf", set(K_TIME, "100") + set(K_PROBES, "4")),
        file(credential, "-net.ipv4.tcp_keepalive_time\n")},
       with_credential,
       {7200, 75, 4}},
      {"credential_glob_does_not_override_a_named_key",
       "systemd",
       {file("etc/sysctl.d/50-a.conf", set(K_TIME, "100")),
        file(credential, "net.ipv4.tcp_keepalive_* = 33\n")},
       with_credential,
       {100, 33, 33}},
      {"credential_same_value_keeps_the_file_line",
       "systemd",
       {file("etc/sysctl.d/50-a.conf", set(K_TIME, "100")),
        file(credential, set(K_INTVL, "0x10") + set(K_TIME, "100"))},
       with_credential,
       {100, 16, 9}},
      {"procps_reads_no_credential",
       "procps",
       {file("etc/sysctl.d/50-a.conf", set(K_TIME, "100")), file(credential, set(K_TIME, "200"))},
       with_credential,
       {100, 75, 9}},
      {"cmdline_then_files",
       "systemd",
       {file(grub, "GRUB_CMDLINE_LINUX=\"quiet sysctl.net.ipv4.tcp_keepalive_time=50\"\n"
                   "GRUB_CMDLINE_LINUX_DEFAULT='sysctl/net/ipv4/tcp_keepalive_probes=4'\n"),
        file("etc/sysctl.d/50-a.conf", set(K_TIME, "100"))},
       {{{"net/ipv4/tcp_keepalive_time", "50"}, {"net/ipv4/tcp_keepalive_probes", "4"}}, false},
       {100, 75, 4}},
      {"cmdline_quotes_and_dropins_procps",
       "procps",
       {file(grub, "GRUB_CMDLINE_LINUX=\"a=b\"\n"),
        file("etc/default/grub.d/50-k.cfg", "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX "
                                            "\\\"sysctl.net/ipv4.tcp_keepalive_intvl=0x20\\\"\"\n"),
        file("etc/sysctl.d/50-a.conf", set(K_PROBES, "7"))},
       {{{"net/ipv4/tcp_keepalive_intvl", "0x20"}}, false},
       {7200, 32, 7}},
      {"cmdline_and_credential",
       "systemd",
       {file("etc/kernel/cmdline", "root=/dev/sda sysctl.net.ipv4.tcp_keepalive_intvl=11 -- "
                                   "sysctl.net.ipv4.tcp_keepalive_probes=3\n"),
        file(credential, set(K_TIME, "300"))},
       {{{"net/ipv4/tcp_keepalive_intvl", "11"}}, true},
       {300, 11, 9}},
      {"cmdline_credential_glob",
       "systemd",
       {file("etc/kernel/cmdline",
             "root=/dev/sda systemd.set_credential=sysctl.extra:net.ipv4.tcp_keepalive_*=77\n")},
       with_credential,
       {77, 77, 77},
       {file(credential, "net.ipv4.tcp_keepalive_*=77")}},
      {"cmdline_credential_over_this_boots_and_the_files",
       "systemd",
       {file(grub, "GRUB_CMDLINE_LINUX=\"systemd.set_credential=sysctl.extra:"
                   "net.ipv4.tcp_keepalive_intvl=12\"\n"),
        file("etc/sysctl.d/50-a.conf", set(K_TIME, "100") + set(K_INTVL, "10"))},
       with_credential,
       {100, 12, 9},
       {file(credential, "net.ipv4.tcp_keepalive_intvl=12")}},
  };
}

class BootSources : public ::testing::TestWithParam<SourceCase> {};

TEST_P(BootSources, RealProgramsAgreeWithKaltune) {
  const SourceCase& c = GetParam();
  KALTUNE_REQUIRE_REPLAY(c.model);
  TempRoot root;
  write_layout(Layout{c.name, "", c.entries, c.expected, c.expected}, root.path());
  TempRoot booted; // the same, and what PID 1 imported
  std::vector<Entry> entries = c.entries;
  entries.insert(entries.end(), c.imported.begin(), c.imported.end());
  write_layout(Layout{c.name, "", entries, c.expected, c.expected}, booted.path());
  const Replay applied = replay_layout(booted.path(), c.model, c.extras);
  ASSERT_TRUE(applied.refused.empty()) << applied.refused;
  ASSERT_EQ(applied.values.size(), 3U) << applied.applied.out << applied.applied.err;
  const auto predicted = run_kaltune({"--root", root.path().string(), "show", "--source", "boot",
                                      "--boot-model", c.model, "--json"});
  ASSERT_EQ(predicted.status, 0) << predicted.err;
  const auto json = nlohmann::json::parse(predicted.out);
  std::vector<long> kaltune;
  for (const char* key : {K_TIME, K_INTVL, K_PROBES}) {
    kaltune.push_back(json["settings"][key]["value"].get<long>());
  }
  EXPECT_EQ(kaltune, applied.values) << applied.applied.err << json["assignments"].dump(1);
  EXPECT_EQ(std::vector<long>(c.expected.begin(), c.expected.end()), applied.values)
      << "the real programs no longer do what this table recorded";
}

INSTANTIATE_TEST_SUITE_P(Layouts, BootSources, ::testing::ValuesIn(source_cases()),
                         [](const ::testing::TestParamInfo<SourceCase>& info) {
                           return info.param.model + "_" + info.param.name;
                         });

// set --persist where something other than a sysctl.d file wins at boot: exit 4, the source and
// the way out named, every file byte-identical (and no temp file left: directory times too).
struct WinnerCase {
  std::string name;
  std::vector<Entry> entries;
  std::string named;              // in the message
  std::vector<std::string> extra; // more arguments of set --persist
};

void PrintTo(const WinnerCase& c, std::ostream* os) {
  *os << c.name;
}

class PersistAgainstSources : public ::testing::TestWithParam<WinnerCase> {};

TEST_P(PersistAgainstSources, RefusedNamingTheSourceAndNothingChanged) {
  KALTUNE_REQUIRE_NETNS();
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  Mounts mounts;
  mounts.tmpfs("/run"); // kaltune's lock is the host's /run/kaltune.lock even with --root
  const PersistedLayout run(Layout{GetParam().name, "", GetParam().entries, {}, {}}, "systemd",
                            GetParam().extra);
  EXPECT_EQ(run.result().status, 4) << run.result().out << run.result().err;
  EXPECT_NE(run.result().err.find(GetParam().named), std::string::npos) << run.result().err;
  EXPECT_NE(run.result().err.find("nothing was changed"), std::string::npos) << run.result().err;
  EXPECT_EQ(run.now(), run.before());
}

const char* const tuned_enabled = "etc/systemd/system/multi-user.target.wants/tuned.service";

INSTANTIATE_TEST_SUITE_P(
    Sources, PersistAgainstSources,
    ::testing::Values(
        WinnerCase{"credential",
                   {file(credential, set(K_TIME, "200"))},
                   "from credential sysctl.extra:1 ('200'), which systemd-sysctl applies after "
                   "every file; change or remove the sysctl.extra credential",
                   {}},
        WinnerCase{"tuned_profile_without_reapply",
                   {file(tuned_enabled, ""), file("etc/tuned/active_profile", "p\n"),
                    file("etc/tuned/tuned-main.conf", "reapply_sysctl = 0\n"),
                    file("usr/lib/tuned/p/tuned.conf", "[sysctl]\n" + set(K_INTVL, "9"))},
                   "from tuned profile p: /usr/lib/tuned/p/tuned.conf:2 ('9'), which tuned "
                   "applies after systemd-sysctl",
                   {}},
        WinnerCase{"cmdline_credential",
                   {file("etc/kernel/cmdline", "systemd.set_credential=sysctl.extra:"
                                               "net.ipv4.tcp_keepalive_time=77\n")},
                   "from /etc/kernel/cmdline: systemd.set_credential=sysctl.extra:1 ('77'), which "
                   "systemd-sysctl applies after every file; remove the parameter there",
                   {}},
        WinnerCase{"cmdline_over_a_shadowed_file",
                   {file("usr/lib/sysctl.d/50-x.conf", ""),
                    link("etc/sysctl.d/50-x.conf", "/dev/null"),
                    file("etc/kernel/cmdline", "sysctl.net.ipv4.tcp_keepalive_probes=3\n")},
                   "from the kernel command line: '3' in /etc/kernel/cmdline",
                   {"--file", "/usr/lib/sysctl.d/50-x.conf"}}),
    [](const ::testing::TestParamInfo<WinnerCase>& info) { return info.param.name; });

// The command line's credential sets every key through a glob: the real systemd-sysctl 252 given
// it (as PID 1 imports it) leaves 77/77/77, and kaltune says so with its origin. A glob never
// overrides a key a file names, so set --persist of the three keys succeeds there, and the real
// systemd-sysctl then leaves the persisted values.
TEST(PersistAgainstCmdlineCredential, AGlobGivesWayToTheKeysKaltunesFileNames) {
  KALTUNE_REQUIRE_REPLAY("systemd");
  Mounts mounts;
  mounts.tmpfs("/run");
  const std::vector<Entry> cmdline{
      file("etc/kernel/cmdline",
           "root=/dev/sda systemd.set_credential=sysctl.extra:net.ipv4.tcp_keepalive_*=77\n")};
  TempRoot shown;
  write_layout(Layout{"glob", "", cmdline, {}, {}}, shown.path());
  const auto view = run_kaltune({"--root", shown.path().string(), "--boot-model", "systemd", "show",
                                 "--source", "boot", "--json"});
  ASSERT_EQ(view.status, 0) << view.err;
  const auto json = nlohmann::json::parse(view.out);
  for (const char* key : {K_TIME, K_INTVL, K_PROBES}) {
    EXPECT_EQ(json["settings"][key]["value"], 77) << key;
    EXPECT_EQ(json["settings"][key]["origin"],
              "/etc/kernel/cmdline: systemd.set_credential=sysctl.extra:1")
        << key;
  }
  const PersistedLayout run(Layout{"glob", "", cmdline, {}, {}}, "systemd");
  EXPECT_EQ(run.result().status, 0) << run.result().err;
  // What PID 1 imports at boot, beside the file kaltune wrote.
  std::filesystem::create_directories(run.root() / "run/credentials/@system");
  std::ofstream(run.root() / "run/credentials/@system/sysctl.extra")
      << "net.ipv4.tcp_keepalive_*=77";
  const Replay applied = run.replay(BootExtras{{}, true});
  ASSERT_TRUE(applied.refused.empty()) << applied.refused;
  EXPECT_EQ(applied.values, asked) << applied.applied.err;
}

// With reapply_sysctl = 1 (tuned's default) an /etc file is written again after the profile, so
// kaltune's own file wins and set --persist succeeds.
TEST(PersistAgainstTuned, ReappliedEtcFileWinsOverTheProfile) {
  KALTUNE_REQUIRE_NETNS();
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  Mounts mounts;
  mounts.tmpfs("/run");
  const PersistedLayout run(
      Layout{"tuned",
             "",
             {file(tuned_enabled, ""), file("etc/tuned/active_profile", "p\n"),
              file("usr/lib/tuned/p/tuned.conf", "[sysctl]\n" + set(K_INTVL, "9"))},
             {},
             {}},
      "systemd");
  EXPECT_EQ(run.result().status, 0) << run.result().err;
  EXPECT_NE(run.result().out.find("(re-applied by tuned)"), std::string::npos) << run.result().out;
}

// check --persisted: the running values of this namespace against its own boot view (tmpfs over
// the sysctl.d directories and /run; never the real /etc).
TEST_F(PersistLive, CheckPersistedFailsOnEachKeyARebootWouldChange) {
  std::ofstream("/etc/sysctl.d/50-a.conf") << set(K_TIME, "600");
  auto result = run_kaltune({"--boot-model", "systemd", "check", "--persisted"});
  EXPECT_EQ(result.status, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("net.ipv4.tcp_keepalive_time is 7200 now, but boot applies 600 "
                            "(/etc/sysctl.d/50-a.conf:1)"),
            std::string::npos)
      << result.out;
  write_sysctl(K_TIME, 600);
  result = run_kaltune({"--boot-model", "systemd", "check", "--persisted"});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_EQ(run_kaltune({"--root", "/tmp", "check", "--persisted"}).status, 2);
}

} // namespace
} // namespace kaltune::itest
