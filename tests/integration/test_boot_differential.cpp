// The boot view against the real appliers: each layout of tests/common/layouts.hpp is replayed
// by systemd-sysctl and by procps `sysctl --system` inside this test's private mount + network
// namespaces (tmpfs over /run and the sysctl.d directories, the layout copied in,
// /etc/sysctl.conf bind-mounted), and the three values the kernel is left with must equal what
// `kaltune --root LAYOUT show --source boot --boot-model M --json` predicts.

#include "../common/layouts.hpp"
#include "harness.hpp"
#include "replay.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <fstream>
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
      std::string key;
      for (char c : line.substr(0, equals)) {
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
  const Case& c = GetParam();
  if (const std::string why = replay_unavailable(c.model); !why.empty()) {
    GTEST_SKIP() << why;
  }
  for (const auto& entry : c.layout->entries) {
    std::string offending;
    ASSERT_TRUE(entry.kind != layouts::Entry::Kind::file ||
                only_keepalive_keys(entry.content, offending))
        << entry.path << " assigns something other than a keepalive key: " << offending;
  }
  TempDir root;
  layouts::write_layout(*c.layout, root.path());

  const Replay replay = replay_layout(root.path(), c.model);
  const RunResult& applied = replay.applied;
  const std::vector<long>& real = replay.values;

  const auto predicted = run_kaltune({"--root", root.path().string(), "show", "--source", "boot",
                                      "--boot-model", c.model, "--json"});
  ASSERT_EQ(predicted.status, 0) << predicted.err;
  const auto json = nlohmann::json::parse(predicted.out);
  const std::vector<long> kaltune{json["settings"]["net.ipv4.tcp_keepalive_time"]["value"],
                                  json["settings"]["net.ipv4.tcp_keepalive_intvl"]["value"],
                                  json["settings"]["net.ipv4.tcp_keepalive_probes"]["value"]};
  EXPECT_EQ(kaltune, real) << c.layout->rules << "\n--- " << c.model << " said:\n"
                           << applied.out << applied.err << "\n--- kaltune:\n"
                           << json["assignments"].dump(1);
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

} // namespace
} // namespace kaltune::itest
