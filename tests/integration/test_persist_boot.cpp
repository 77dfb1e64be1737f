// set --persist against what boot would apply: layouts where another file wins (exit 4, nothing
// changed) or kaltune's value lands, each replayed by the real appliers (tests/integration/
// replay.hpp) in this process's private mount + network namespaces.

#include "persist_fixture.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <ostream>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;
using layouts::Entry;
using layouts::file;
using layouts::link;

layouts::Layout layout_of(std::vector<Entry> entries) {
  layouts::Layout layout;
  layout.entries = std::move(entries);
  return layout;
}

struct PersistCase {
  std::string name;
  std::vector<Entry> entries;
  std::vector<std::string> extra; // after `set --time 600 --intvl 30 --probes 4 --persist`
  int systemd_status;             // what kaltune must answer with each model
  int procps_status;
  std::string message; // part of stderr when the status is 4
};

struct PersistParam {
  const PersistCase* c;
  std::string model;
};
void PrintTo(const PersistParam& p, std::ostream* os) {
  *os << p.model << "/" << p.c->name;
}

// Debian's /etc/sysctl.conf, linked in as /etc/sysctl.d/99-sysctl.conf, and a vendor file that
// boot applies after kaltune's own: each one with and without the --file that edits it.
const std::vector<Entry> debian_sysctl_conf{
    file("etc/sysctl.conf", "# local\nnet.ipv4.tcp_keepalive_time = 100\n"),
    link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf")};
const std::vector<Entry> vendor_file{
    file("usr/lib/sysctl.d/99-zzz.conf", "net.ipv4.tcp_keepalive_intvl = 10\n")};

const std::vector<PersistCase>& persist_cases() {
  static const std::vector<PersistCase> cases{
      {"empty_creates_own_file", {}, {}, 0, 0, ""},
      {"own_file_updated_comment_kept",
       {file("etc/sysctl.d/99-kaltune.conf",
             header + "# my note\nnet.ipv4.tcp_keepalive_time = 100\n")},
       {},
       0,
       0,
       ""},
      {"debian_sysctl_conf_wins", debian_sysctl_conf, {}, 4, 4, "--file /etc/sysctl"},
      {"debian_sysctl_conf_with_file",
       debian_sysctl_conf,
       {"--file", "/etc/sysctl.conf"},
       0,
       0,
       ""},
      {"write_through_symlink",
       {file("etc/sysctl.conf", "net.ipv4.tcp_keepalive_probes = 2"),
        link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf")},
       {"--file", "/etc/sysctl.d/99-sysctl.conf"},
       0,
       0,
       ""},
      {"sysctl_conf_without_debian_link",
       {file("etc/sysctl.conf", "net.ipv4.tcp_keepalive_time = 100\n")},
       {},
       0,
       4,
       "/etc/sysctl.conf:1"},
      {"vendor_file_wins", vendor_file, {}, 4, 4, "--file /usr/lib/sysctl.d/99-zzz.conf"},
      {"vendor_file_edited", vendor_file, {"--file", "/usr/lib/sysctl.d/99-zzz.conf"}, 0, 0, ""},
      {"shadowed_file_is_not_read",
       {file("usr/lib/sysctl.d/50-ka.conf", "net.ipv4.tcp_keepalive_time = 100\n"),
        file("etc/sysctl.d/50-ka.conf", "")},
       {"--file", "/usr/lib/sysctl.d/50-ka.conf"},
       4,
       4,
       "is not applied at boot"},
      {"crlf_dash_and_slash_spellings",
       {file("etc/sysctl.d/60-ka.conf", "# c\r\n-net/ipv4/tcp_keepalive_time = 100\r\n"
                                        "net.ipv4.tcp_keepalive_probes=2\r\n")},
       {"--file", "/etc/sysctl.d/60-ka.conf"},
       0,
       0,
       ""},
      {"masked_own_file", {link("etc/sysctl.d/99-kaltune.conf", "/dev/null")}, {}, 4, 4, "masked"},
      {"run_file_of_same_name_is_shadowed",
       {file("run/sysctl.d/99-kaltune.conf", "net.ipv4.tcp_keepalive_time = 100\n")},
       {},
       0,
       0,
       ""},
      {"glob_after_explicit_line",
       {file("etc/sysctl.d/60-ka.conf",
             "net.ipv4.tcp_keepalive_time = 100\nnet.ipv4.tcp_keepalive_* = 7\n")},
       {"--file", "/etc/sysctl.d/60-ka.conf"},
       0,
       0,
       ""},
      {"byte_order_mark_line_sets_nothing",
       {file("etc/sysctl.d/60-ka.conf", "\xEF\xBB\xBFnet.ipv4.tcp_keepalive_time = 100\n")},
       {"--file", "/etc/sysctl.d/60-ka.conf"},
       0,
       0,
       ""},
      {"exclusion_after_assignment",
       {file("etc/sysctl.d/60-ka.conf", "net.ipv4.tcp_keepalive_time = 100\n"
                                        "-net.ipv4.tcp_keepalive_time\n")},
       {"--file", "/etc/sysctl.d/60-ka.conf"},
       4,
       0,
       "remove that line by hand"},
  };
  return cases;
}

std::vector<PersistParam> persist_params() {
  std::vector<PersistParam> out;
  for (const PersistCase& c : persist_cases()) {
    out.push_back({&c, "systemd"});
    out.push_back({&c, "procps"});
  }
  return out;
}

class PersistReplay : public ::testing::TestWithParam<PersistParam> {};

// Exit 0 means the real applier now yields exactly what was asked; exit 4 means every file is
// byte-identical (mode, owner and symlinks too).
TEST_P(PersistReplay, RealApplierYieldsTheValuesOrNothingChanged) {
  const PersistParam& p = GetParam();
  if (const std::string why = replay_unavailable(p.model); !why.empty()) {
    GTEST_SKIP() << why;
  }
  // kaltune's lock is the host's /run/kaltune.lock even with --root: keep it in a private /run.
  Mounts run;
  run.tmpfs("/run");
  const PersistedLayout persisted(layout_of(p.c->entries), p.model, p.c->extra);
  const RunResult& result = persisted.result();
  const int expected = p.model == "systemd" ? p.c->systemd_status : p.c->procps_status;
  ASSERT_EQ(result.status, expected) << result.out << result.err;
  if (result.status == 0) {
    const Replay replay = persisted.replay();
    EXPECT_EQ(replay.values, asked) << result.out << replay.applied.out << replay.applied.err;
    // A second identical run changes nothing, not even a modification time.
    const auto after = persisted.now();
    const RunResult again = persisted.again();
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.out.find(": nothing to change"), std::string::npos) << again.out;
    EXPECT_EQ(persisted.now(), after);
  } else {
    // The boot view is predicted before writing: not even a temp file was created.
    EXPECT_NE(result.err.find(p.c->message), std::string::npos) << result.err;
    EXPECT_EQ(persisted.now(), persisted.before());
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, PersistReplay, ::testing::ValuesIn(persist_params()),
                         [](const ::testing::TestParamInfo<PersistParam>& info) {
                           return info.param.model + "_" + info.param.c->name;
                         });

TEST_F(PersistLive, OverriddenAtBootChangesNeitherFileNorKernel) {
  std::ofstream("/usr/lib/sysctl.d/99-zzz.conf") << "net.ipv4.tcp_keepalive_time = 100\n";
  const RunResult result = run_kaltune(set_asked);
  EXPECT_EQ(result.status, 4);
  EXPECT_EQ(result.err,
            "kaltune: boot would apply net.ipv4.tcp_keepalive_time = 100 from "
            "/usr/lib/sysctl.d/99-zzz.conf:1, which is applied after "
            "/etc/sysctl.d/99-kaltune.conf (systemd model); change it there with --file "
            "/usr/lib/sysctl.d/99-zzz.conf; nothing was changed\n");
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

} // namespace
} // namespace kaltune::itest
