// set --persist over seeded random layouts (tests/common/random_layout.hpp), replayed by the real
// appliers: exit 0 means boot applies the values asked, exit 4 that nothing changed.

#include "../common/random_layout.hpp"
#include "persist_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

namespace kaltune::itest {
namespace {

using layouts::Entry;

// PersistReplay's property (test_persist_boot.cpp) over random layouts: kaltune's own file, and
// --file /etc/sysctl.conf when the layout has one.
class PersistRandomized : public ::testing::TestWithParam<std::string> {};

TEST_P(PersistRandomized, ExitZeroMeansBootAppliesItElseNothingChanged) {
  const std::string& model = GetParam();
  if (const std::string why = replay_unavailable(model); !why.empty()) {
    GTEST_SKIP() << why;
  }
  Mounts run; // the lock, /run/kaltune.lock, in a private /run
  run.tmpfs("/run");
  const unsigned seeds = random_layouts(100);
  unsigned persisted = 0;
  unsigned refused = 0;
  for (unsigned seed = 1; seed <= seeds; ++seed) {
    const layouts::Layout layout = layouts::random_layout(seed);
    std::vector<std::vector<std::string>> variants{{}};
    for (const Entry& entry : layout.entries) {
      if (entry.path == "etc/sysctl.conf" && entry.kind == Entry::Kind::file) {
        variants.push_back({"--file", "/etc/sysctl.conf"});
      }
    }
    for (const auto& extra : variants) {
      const PersistedLayout attempt(layout, model, extra);
      const RunResult& result = attempt.result();
      const std::string where = "seed " + std::to_string(seed) + (extra.empty() ? "" : " --file");
      if (result.status == 0) {
        ++persisted;
        const Replay replay = attempt.replay();
        EXPECT_EQ(replay.values, asked) << where << ": exit 0 but boot applies something else\n"
                                        << result.out << replay.applied.out << replay.applied.err;
      } else if (result.status == 4) {
        ++refused;
        EXPECT_EQ(attempt.now(), attempt.before()) << where << ": exit 4 changed files";
      } else {
        ADD_FAILURE() << where << ": exit " << result.status << "\n" << result.err;
      }
    }
  }
  RecordProperty("persisted", static_cast<int>(persisted));
  RecordProperty("refused", static_cast<int>(refused));
  std::cout << model << ": " << persisted << " persisted and replayed, " << refused
            << " refused with nothing changed\n";
}

INSTANTIATE_TEST_SUITE_P(Models, PersistRandomized, ::testing::Values("systemd", "procps"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace kaltune::itest
