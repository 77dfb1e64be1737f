// The boot view against the real appliers: each layout of tests/common/layouts.hpp is replayed
// by systemd-sysctl and by procps `sysctl --system` inside this test's private mount + network
// namespaces (tmpfs over /run and the sysctl.d directories, the layout copied in,
// /etc/sysctl.conf bind-mounted), and the three values the kernel is left with must equal what
// `kaltune --root LAYOUT show --source boot --boot-model M --json` predicts.

#include "../common/layouts.hpp"
#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <sys/mount.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;
using layouts::Layout;

const char* const systemd_sysctl = "/lib/systemd/systemd-sysctl";

std::string procps_sysctl() {
  for (const char* path : {"/usr/sbin/sysctl", "/sbin/sysctl"}) {
    if (fs::exists(path)) {
      return path;
    }
  }
  return "";
}

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

// Mounts made for one replay, undone (lazily) when the test ends.
class Mounts {
public:
  ~Mounts() {
    for (auto it = targets_.rbegin(); it != targets_.rend(); ++it) {
      ::umount2(it->c_str(), MNT_DETACH);
    }
  }
  void tmpfs(const std::string& target) {
    if (::mount("tmpfs", target.c_str(), "tmpfs", 0, "mode=0755") != 0) {
      throw std::runtime_error("mount tmpfs on " + target + ": " + std::strerror(errno));
    }
    targets_.push_back(target);
  }
  void bind(const std::string& source, const std::string& target) {
    if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      throw std::runtime_error("bind " + source + " on " + target + ": " + std::strerror(errno));
    }
    targets_.push_back(target);
  }

private:
  std::vector<std::string> targets_;
};

void copy_into(const fs::path& from, const std::string& to) {
  if (!fs::exists(from)) {
    return;
  }
  const auto result = run({"cp", "-a", from.string() + "/.", to + "/"});
  if (result.status != 0) {
    throw std::runtime_error("cp " + from.string() + ": " + result.err);
  }
}

// Replaces the boot configuration of this (private) mount namespace with the layout.
void install_layout(Mounts& mounts, const fs::path& layout) {
  mounts.tmpfs("/run");
  mounts.tmpfs("/etc/sysctl.d");
  mounts.tmpfs("/usr/local/lib");
  mounts.tmpfs("/usr/lib/sysctl.d");
  // Debian 12 merged /usr: /lib is a link to usr/lib, so /lib/sysctl.d is covered already.
  if (!fs::is_symlink("/lib") && fs::is_directory("/lib/sysctl.d")) {
    mounts.tmpfs("/lib/sysctl.d");
  }
  copy_into(layout / "run", "/run");
  fs::create_directories("/run/sysctl.d");
  copy_into(layout / "etc/sysctl.d", "/etc/sysctl.d");
  copy_into(layout / "usr/local/lib", "/usr/local/lib");
  fs::create_directories("/usr/local/lib/sysctl.d");
  copy_into(layout / "usr/lib/sysctl.d", "/usr/lib/sysctl.d");
  const fs::path conf = layout / "etc/sysctl.conf";
  if (fs::is_symlink(conf) && fs::read_symlink(conf) == "/dev/null") {
    mounts.bind("/dev/null", "/etc/sysctl.conf");
  } else if (fs::is_regular_file(conf)) {
    mounts.bind(conf.string(), "/etc/sysctl.conf");
  } else {
    std::ofstream("/run/kaltune-test-empty-sysctl.conf").close();
    mounts.bind("/run/kaltune-test-empty-sysctl.conf", "/etc/sysctl.conf");
  }
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
  KALTUNE_REQUIRE_ROOT();
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  const Case& c = GetParam();
  const std::string sysctl = procps_sysctl();
  if (c.model == "systemd" && !fs::exists(systemd_sysctl)) {
    GTEST_SKIP() << systemd_sysctl << " is not installed";
  }
  if (c.model == "procps" && sysctl.empty()) {
    GTEST_SKIP() << "procps sysctl is not installed";
  }
  for (const char* needed :
       {"/usr/local/lib", "/etc/sysctl.conf", "/etc/sysctl.d", "/usr/lib/sysctl.d"}) {
    if (!fs::exists(needed)) {
      GTEST_SKIP() << needed << " is missing: nothing to mount over (the host stays untouched)";
    }
  }
  for (const auto& entry : c.layout->entries) {
    std::string offending;
    ASSERT_TRUE(entry.kind != layouts::Entry::Kind::file ||
                only_keepalive_keys(entry.content, offending))
        << entry.path << " assigns something other than a keepalive key: " << offending;
  }
  TempDir root;
  layouts::write_layout(*c.layout, root.path());

  Mounts mounts;
  install_layout(mounts, root.path());
  write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 75);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 9);
  const RunResult applied = c.model == "systemd"
                                ? run({systemd_sysctl, "--prefix=/net/ipv4/tcp_keepalive_time",
                                       "--prefix=/net/ipv4/tcp_keepalive_intvl",
                                       "--prefix=/net/ipv4/tcp_keepalive_probes"},
                                      RunOptions{{{"SYSTEMD_LOG_LEVEL", "debug"}}, {}, {}, {}, {}})
                                : run({sysctl, "--system"});
  const std::vector<long> real = read_keepalive();

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
