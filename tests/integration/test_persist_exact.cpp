// The editor exact for both appliers, replayed with the real ones: systemd-sysctl also ends a
// line at a lone CR and at a NUL, procps compares a glob with the explicit key's text. Each case
// runs kaltune on a --root layout, then the real applier of the model over the result.

#include "../common/layouts.hpp"
#include "persist_fixture.hpp"

#include <gtest/gtest.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

struct ExactCase {
  std::string name;
  std::string content;           // /etc/sysctl.d/50-x.conf
  std::vector<std::string> args; // after --root R --boot-model MODEL
  std::vector<long> values;      // what the real applier holds afterwards
};

const std::vector<ExactCase>& exact_cases() {
  static const std::vector<ExactCase> cases{
      {"reset_after_comment_with_lone_cr",
       "# note\rnet.ipv4.tcp_keepalive_time = 5\n",
       {"reset", "--persist", "--file", "/etc/sysctl.d/50-x.conf"},
       {7200, 75, 9}},
      {"later_key_line_ending_in_nul",
       "net.ipv4.tcp_keepalive_time = 5\nnet.ipv4.tcp_keepalive_time=\0\n"s,
       {"set", "--time", "600", "--persist", "--file", "/etc/sysctl.d/50-x.conf"},
       {600, 75, 9}},
      {"file_ending_in_lone_cr",
       "net.ipv4.tcp_keepalive_intvl = 5\r",
       {"set", "--time", "600", "--persist", "--file", "/etc/sysctl.d/50-x.conf"},
       {600, 5, 9}},
      {"leading_dot_then_glob",
       ".net.ipv4.tcp_keepalive_time = 5\nnet.ipv4.tcp_keepalive_* = 3\n",
       {"set", "--time", "600", "--persist", "--file", "/etc/sysctl.d/50-x.conf"},
       {600, 3, 3}},
  };
  return cases;
}

struct ExactParam {
  const ExactCase* c;
  std::string model;
};
void PrintTo(const ExactParam& p, std::ostream* os) {
  *os << p.model << "/" << p.c->name;
}

std::vector<ExactParam> exact_params() {
  std::vector<ExactParam> out;
  for (const ExactCase& c : exact_cases()) {
    out.push_back({&c, "systemd"});
    out.push_back({&c, "procps"});
  }
  return out;
}

class PersistExact : public ::testing::TestWithParam<ExactParam> {};

TEST_P(PersistExact, BothAppliersLandOnTheValuesAndASecondRunChangesNothing) {
  const ExactParam& p = GetParam();
  if (const std::string why = replay_unavailable(p.model); !why.empty()) {
    GTEST_SKIP() << why;
  }
  Mounts run; // kaltune's lock in a private /run
  run.tmpfs("/run");
  TempRoot root;
  layouts::Layout layout;
  layout.entries = {layouts::file("etc/sysctl.d/50-x.conf", p.c->content)};
  layouts::write_layout(layout, root.path());
  const auto args = on_root(root.path(), p.model, p.c->args);
  const RunResult result = run_kaltune(args);
  ASSERT_EQ(result.status, 0) << result.err;
  const std::string after = root.read("etc/sysctl.d/50-x.conf");
  const auto before_again = snapshot(root.path(), true);
  const RunResult again = run_kaltune(args);
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(snapshot(root.path(), true), before_again) << "a second identical run wrote again";
  const Replay replay = replay_layout(root.path(), p.model);
  ASSERT_EQ(replay.refused, "");
  EXPECT_EQ(replay.values, p.c->values) << ::testing::PrintToString(after) << "\n"
                                        << replay.applied.err;
}

INSTANTIATE_TEST_SUITE_P(Cases, PersistExact, ::testing::ValuesIn(exact_params()),
                         [](const ::testing::TestParamInfo<ExactParam>& info) {
                           return info.param.model + "_" + info.param.c->name;
                         });

// An untouched line keeps its ending: the lone CR that ends the file stays a lone CR.
TEST_F(Persist, LoneCarriageReturnAtTheEndIsKept) {
  root.write("etc/sysctl.d/50-x.conf", "net.ipv4.tcp_keepalive_intvl = 5\r");
  const RunResult result =
      kaltune({"set", "--time", "600", "--persist", "--file", "/etc/sysctl.d/50-x.conf"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(root.read("etc/sysctl.d/50-x.conf"),
            "net.ipv4.tcp_keepalive_time = 600\nnet.ipv4.tcp_keepalive_intvl = 5\r");
}

// --dry-run refuses exactly where the real run refuses: a target whose directory cannot be
// created (its parent is missing), also when reached through a dangling link.
TEST_F(Persist, DryRunRefusesWhereTheRealRunRefuses) {
  fs::remove_all(root.path() / "etc");
  fs::create_directories(root.path() / "usr/lib/sysctl.d");
  const auto before = snapshot(root.path(), true);
  for (const bool dry_run : {true, false}) {
    std::vector<std::string> args{"set", "--time", "600", "--persist"};
    if (dry_run) {
      args.emplace_back("--dry-run");
    }
    const RunResult result = kaltune(args);
    EXPECT_EQ(result.status, 4) << (dry_run ? "dry run: " : "real: ") << result.err;
    EXPECT_EQ(result.err, "kaltune: cannot create the directory /etc/sysctl.d for "
                          "/etc/sysctl.d/99-kaltune.conf: No such file or directory\n");
  }
  EXPECT_EQ(snapshot(root.path(), true), before);
  fs::create_directories(root.path() / "etc/sysctl.d");
  fs::create_symlink("/no/where/x.conf", root.path() / "etc/sysctl.d/99-kaltune.conf");
  const auto linked = snapshot(root.path(), true);
  for (const bool dry_run : {true, false}) {
    std::vector<std::string> args{"set", "--time", "600", "--persist"};
    if (dry_run) {
      args.emplace_back("--dry-run");
    }
    const RunResult result = kaltune(args);
    EXPECT_EQ(result.status, 4) << (dry_run ? "dry run: " : "real: ") << result.err;
    EXPECT_EQ(result.err,
              "kaltune: cannot create the directory /no/where for /etc/sysctl.d/99-kaltune.conf "
              "(a symlink to /no/where/x.conf): No such file or directory\n");
  }
  EXPECT_EQ(snapshot(root.path(), true), linked);
}

} // namespace
} // namespace kaltune::itest
