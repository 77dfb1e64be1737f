// The boot view against the real appliers: each layout of tests/common/layouts.hpp is replayed
// by systemd-sysctl and by procps `sysctl --system` inside this test's private mount + network
// namespaces (tmpfs over /run and the sysctl.d directories, the layout copied in,
// /etc/sysctl.conf bind-mounted), and the three values the kernel is left with must equal what
// `kaltune --root LAYOUT show --source boot --boot-model M --json` predicts.

#include "../common/layouts.hpp"
#include "../common/random_layout.hpp"
#include "harness.hpp"
#include "replay.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <sys/mount.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;
using layouts::Layout;

// A layout replayed by a real applier next to kaltune's prediction of it.
struct Comparison {
  std::vector<long> real;    // what the applier left in the kernel, the four keys
  std::vector<long> kaltune; // what kaltune predicted, the four keys
  std::string details;       // the applier's output and kaltune's assignments, for failures
  std::string problem;       // why there is no comparison
};

// Replays `layout` with the real applier of `model` (tests/integration/replay.hpp) and asks
// kaltune about it.
Comparison compare_layout(const Layout& layout, const std::string& model) {
  Comparison replay;
  TempRoot root;
  layouts::write_layout(layout, root.path());
  // run_applier refuses layouts that could reach any other key (tests/common/keepalive_guard).
  const Replay applied = replay_layout(root.path(), model);
  if (!applied.refused.empty()) {
    replay.problem = applied.refused;
    return replay;
  }
  replay.real = applied.values;
  replay.real.push_back(applied.retries2);
  replay.details = "--- " + model + " said:\n" + applied.applied.out + applied.applied.err;
  const auto predicted = run_kaltune({"--root", root.path().string(), "show", "--source", "boot",
                                      "--boot-model", model, "--json"});
  if (predicted.status != 0) {
    replay.problem = "kaltune failed: " + predicted.err;
    return replay;
  }
  const auto json = nlohmann::json::parse(predicted.out);
  for (const char* key : {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl",
                          "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_retries2"}) {
    replay.kaltune.push_back(json["settings"][key]["value"].get<long>());
  }
  replay.details += "--- kaltune:\n" + json["assignments"].dump(1);
  return replay;
}

struct Case {
  const Layout* layout;
  std::string model; // "systemd" or "procps"
};

// Test names carry the case; this keeps gtest from printing the struct's bytes as well.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model << "/" << c.layout->name;
}

class BootDifferential : public ::testing::TestWithParam<Case> {};

TEST_P(BootDifferential, RealApplierAgreesWithKaltune) {
  KALTUNE_REQUIRE_REPLAY(GetParam().model);
  const Case& c = GetParam();
  const Comparison replay = compare_layout(*c.layout, c.model);
  if (!replay.problem.empty()) {
    FAIL() << replay.problem;
  }
  EXPECT_EQ(replay.kaltune, replay.real) << c.layout->rules << "\n" << replay.details;
  const std::vector<long>& real = replay.real;
  ASSERT_EQ(real.size(), 4U) << replay.details;
  const layouts::Values& recorded = c.model == "systemd" ? c.layout->systemd : c.layout->procps;
  EXPECT_EQ(std::vector<long>(recorded.begin(), recorded.end()),
            std::vector<long>(real.begin(), real.begin() + static_cast<long>(recorded.size())))
      << "the real applier no longer does what tests/common/layouts.hpp recorded";
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const Layout& layout : layouts::all()) {
    out.push_back({&layout, "systemd"});
    out.push_back({&layout, "procps"});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Layouts, BootDifferential, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.model + "_" + info.param.layout->name;
                         });

class BootRandomized : public ::testing::TestWithParam<std::string> {};

TEST_P(BootRandomized, RealApplierAgreesWithKaltune) {
  KALTUNE_REQUIRE_REPLAY(GetParam());
  // KALTUNE_RANDOM_LAYOUTS=N explores further (seeds 1..N); CI runs the first 150 (50 in the
  // sanitizer build: random_layouts).
  const unsigned layouts_per_model = random_layouts(150);
  unsigned agreed = 0;
  for (unsigned seed = 1; seed <= layouts_per_model; ++seed) {
    const Layout layout = layouts::random_layout(seed);
    const Comparison replay = compare_layout(layout, GetParam());
    ASSERT_TRUE(replay.problem.empty()) << "seed " << seed << ": " << replay.problem;
    if (replay.kaltune == replay.real) {
      ++agreed;
      continue;
    }
    std::string files;
    for (const auto& entry : layout.entries) {
      files += entry.path + (entry.kind == layouts::Entry::Kind::link ? " -> " : ":\n") +
               entry.content + "\n";
    }
    ADD_FAILURE() << "seed " << seed << ": kaltune " << ::testing::PrintToString(replay.kaltune)
                  << ", real " << ::testing::PrintToString(replay.real) << "\n"
                  << files << replay.details;
  }
  RecordProperty("agreed", static_cast<int>(agreed));
  std::cout << GetParam() << ": " << agreed << "/" << layouts_per_model
            << " random layouts agree\n";
}

// The guard runs inside run_applier itself, on every file the applier could read (hidden ones
// and /etc/sysctl.conf too): a key other than keepalive ones, hidden behind a \v or \f that procps
// strips, stops the replay before the applier starts. The key here is per network namespace,
// so even a broken guard could not reach beyond the test.
TEST(ReplayGuard, ForeignKeyAnywhereStopsTheApplier) {
  for (const std::string model : {"systemd", "procps"}) {
    KALTUNE_REQUIRE_REPLAY(model);
    for (const auto& [path, content] : std::vector<std::pair<std::string, std::string>>{
             {"etc/sysctl.d/.hidden.conf", "\vnet.ipv4.tcp_syn_retries = 3\n"},
             {"usr/lib/sysctl.d/50-a.conf", "# note\rnet.ipv4.tcp_syn_retries = 3\n"},
             {"etc/sysctl.conf", "\fnet.ipv4.tcp_syn_retries = 3\n"}}) {
      TempRoot root;
      Layout layout;
      layout.entries.push_back(layouts::file(path, content));
      layouts::write_layout(layout, root.path());
      const long before = read_sysctl("net.ipv4.tcp_syn_retries");
      ::testing::TestPartResultArray failures;
      Replay replay;
      {
        ::testing::ScopedFakeTestPartResultReporter intercept(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
        replay = replay_layout(root.path(), model);
      }
      EXPECT_EQ(failures.size(), 1) << model << " " << path;
      EXPECT_NE(replay.refused.find(path.substr(path.rfind('/') + 1)), std::string::npos)
          << model << " " << path << ": " << replay.refused;
      EXPECT_EQ(replay.applied.status, -1) << model << " " << path << ": the applier ran";
      EXPECT_TRUE(replay.values.empty());
      EXPECT_EQ(read_sysctl("net.ipv4.tcp_syn_retries"), before);
    }
  }
}

// Defence by construction: the appliers run as root of a user namespace that is nobody outside,
// in a network namespace of their own. Checked without writing anything: sysctls that are not
// per network namespace are not writable there (access(2), and an open for append that writes
// no byte), the keepalive keys are, and they start at the kernel defaults.
TEST(ReplayConfinement, OnlyNetworkNamespaceSysctlsAreWritable) {
  KALTUNE_REQUIRE_REPLAY("procps");
  const RunResult result = run(confined(
      {"sh", "-c",
       "test -w /proc/sys/vm/swappiness; echo $?; test -w /proc/sys/kernel/domainname; echo $?; "
       "if (: >> /proc/sys/vm/swappiness) 2>/dev/null; then echo opened; else echo refused; fi; "
       "test -w /proc/sys/net/ipv4/tcp_keepalive_time; echo $?"}));
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "1\n1\nrefused\n0\n@@kaltune-values@@\n7200\n75\n9\n15\n") << result.err;
}

INSTANTIATE_TEST_SUITE_P(Models, BootRandomized, ::testing::Values("systemd", "procps"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace kaltune::itest
