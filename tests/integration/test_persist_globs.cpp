// Which keys a glob line sets is the boot view's rule (config/boot_rules), and the editor asks it:
// `set --persist` warns about a glob line exactly when the real appliers let it set a key.

#include "../common/layouts.hpp"
#include "harness.hpp"
#include "replay.hpp"

#include <gtest/gtest.h>

namespace kaltune::itest {
namespace {

struct GlobCase {
  std::string name;
  std::string line;
  bool warned;              // kaltune says the glob also sets net.ipv4.tcp_keepalive_time
  std::vector<long> values; // what the real applier then holds
};

const std::vector<GlobCase> glob_cases{
    // The first separator is '/': neither applier swaps the dots, so the path has none to match.
    {"slash_first", "net/ipv4.tcp_keepalive_* = 5", false, {600, 75, 9}},
    {"keepalive_glob", "net.ipv4.tcp_keepalive_* = 5", true, {600, 5, 5}},
};

struct GlobParam {
  const GlobCase* c;
  std::string model;
};
void PrintTo(const GlobParam& p, std::ostream* os) {
  *os << p.model << "/" << p.c->name;
}

std::vector<GlobParam> glob_params() {
  std::vector<GlobParam> out;
  for (const GlobCase& c : glob_cases) {
    out.push_back({&c, "systemd"});
    out.push_back({&c, "procps"});
  }
  return out;
}

class PersistGlob : public ::testing::TestWithParam<GlobParam> {};

TEST_P(PersistGlob, WarnedExactlyWhenTheApplierLetsTheGlobSetTheKey) {
  const GlobParam& p = GetParam();
  if (const std::string why = replay_unavailable(p.model); !why.empty()) {
    GTEST_SKIP() << why;
  }
  Mounts run; // kaltune's lock, the host's /run/kaltune.lock, in a private /run
  run.tmpfs("/run");
  TempDir root;
  layouts::Layout layout;
  layout.entries = {layouts::file("etc/sysctl.d/50-glob.conf", p.c->line + "\n")};
  layouts::write_layout(layout, root.path());
  const RunResult result =
      run_kaltune({"--root", root.path().string(), "--boot-model", p.model, "set", "--time", "600",
                   "--persist", "--file", "/etc/sysctl.d/50-glob.conf"});
  ASSERT_EQ(result.status, 0) << result.err;
  const std::string warning = "/etc/sysctl.d/50-glob.conf:1: glob '" +
                              p.c->line.substr(0, p.c->line.find(' ')) +
                              "' also sets net.ipv4.tcp_keepalive_time";
  EXPECT_EQ(result.err.find(warning) != std::string::npos, p.c->warned) << result.err;
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.d/50-glob.conf"),
            p.c->line + "\nnet.ipv4.tcp_keepalive_time = 600\n");
  const Replay replay = replay_layout(root.path(), p.model);
  EXPECT_EQ(replay.values, p.c->values) << replay.applied.out << replay.applied.err;
}

INSTANTIATE_TEST_SUITE_P(Lines, PersistGlob, ::testing::ValuesIn(glob_params()),
                         [](const ::testing::TestParamInfo<GlobParam>& info) {
                           return info.param.model + "_" + info.param.c->name;
                         });

} // namespace
} // namespace kaltune::itest
