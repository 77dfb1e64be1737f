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

// The last line of defence: every line that could assign something, split the way either
// applier splits lines, must name a keepalive key (possibly as a tcp_keepalive_ glob).
bool only_keepalive_keys(const std::string& content, std::string& offending) {
  for (const std::string& breaks : {std::string("\n"), std::string("\n\r\0", 3)}) {
    std::size_t pos = 0;
    while (pos <= content.size()) {
      const std::size_t end = std::min(content.find_first_of(breaks, pos), content.size());
      const std::string line = content.substr(pos, end - pos);
      pos = end + 1;
      const std::size_t equals = line.find('=');
      if (equals == std::string::npos) {
        continue;
      }
      // No sysctl name holds a control character: such a key reaches nothing.
      const std::string raw_key = line.substr(0, equals);
      if (std::any_of(raw_key.begin(), raw_key.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; })) {
        continue;
      }
      std::string key;
      for (char c : raw_key) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '*' || c == '?' ||
            c == '[' || c == ']') {
          key += c;
        }
      }
      const std::string first = line.substr(line.find_first_not_of(" \t"), 1);
      if (first == "#" || first == ";") {
        continue;
      }
      const std::string prefix = "netipv4tcp_keepalive_";
      if (key.rfind(prefix, 0) != 0 ||
          key.substr(prefix.size()).find_first_not_of("abcdefghijklmnopqrstuvwxyz*?[]") !=
              std::string::npos) {
        offending = line;
        return false;
      }
    }
  }
  return true;
}

// A layout replayed by a real applier next to kaltune's prediction of it.
struct Comparison {
  std::vector<long> real;    // what the applier left in the kernel
  std::vector<long> kaltune; // what kaltune predicted
  std::string details;       // the applier's output and kaltune's assignments, for failures
  std::string problem;       // why there is no comparison
};

// Replays `layout` with the real applier of `model` (tests/integration/replay.hpp) and asks
// kaltune about it.
Comparison compare_layout(const Layout& layout, const std::string& model) {
  Comparison replay;
  for (const auto& entry : layout.entries) {
    std::string offending;
    if (entry.kind == layouts::Entry::Kind::file &&
        !only_keepalive_keys(entry.content, offending)) {
      replay.problem = entry.path + " assigns something other than a keepalive key: " + offending;
      return replay;
    }
  }
  TempDir root;
  layouts::write_layout(layout, root.path());
  const Replay applied = replay_layout(root.path(), model);
  replay.real = applied.values;
  replay.details = "--- " + model + " said:\n" + applied.applied.out + applied.applied.err;
  const auto predicted = run_kaltune({"--root", root.path().string(), "show", "--source", "boot",
                                      "--boot-model", model, "--json"});
  if (predicted.status != 0) {
    replay.problem = "kaltune failed: " + predicted.err;
    return replay;
  }
  const auto json = nlohmann::json::parse(predicted.out);
  for (const char* key : {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl",
                          "net.ipv4.tcp_keepalive_probes"}) {
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

// Skips the test unless the appliers exist and this process may mount over the configuration.
#define KALTUNE_REQUIRE_REPLAY(model)                                                              \
  do {                                                                                             \
    KALTUNE_REQUIRE_ROOT();                                                                        \
    if (const std::string why = replay_unavailable(model); !why.empty()) {                         \
      GTEST_SKIP() << why;                                                                         \
    }                                                                                              \
  } while (0)

TEST_P(BootDifferential, RealApplierAgreesWithKaltune) {
  KALTUNE_REQUIRE_REPLAY(GetParam().model);
  const Case& c = GetParam();
  const Comparison replay = compare_layout(*c.layout, c.model);
  if (!replay.problem.empty()) {
    FAIL() << replay.problem;
  }
  EXPECT_EQ(replay.kaltune, replay.real) << c.layout->rules << "\n" << replay.details;
  const std::vector<long>& real = replay.real;
  const layouts::Values& recorded = c.model == "systemd" ? c.layout->systemd : c.layout->procps;
  EXPECT_EQ(std::vector<long>(recorded.begin(), recorded.end()), real)
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
  // KALTUNE_RANDOM_LAYOUTS=N explores further (seeds 1..N); CI runs the first 150.
  const char* wanted = std::getenv("KALTUNE_RANDOM_LAYOUTS");
  const unsigned layouts_per_model =
      wanted != nullptr ? static_cast<unsigned>(std::strtoul(wanted, nullptr, 10)) : 150;
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

INSTANTIATE_TEST_SUITE_P(Models, BootRandomized, ::testing::Values("systemd", "procps"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace kaltune::itest
