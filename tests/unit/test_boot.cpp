// The boot-view resolver: the recorded outcomes of every shared layout for both models (written
// under a temporary root and read through the conftree seam), and tables for the pure rules.

#include "../common/layouts.hpp"
#include "config/boot.hpp"
#include "config/boot_rules.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace kaltune {
namespace {

namespace fs = std::filesystem;

class TempRoot {
public:
  TempRoot() {
    std::string pattern = (fs::temp_directory_path() / "kaltune-unit-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempRoot() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

std::array<long, 3> values(const BootView& view) {
  return {static_cast<long>(view.settings[Key::time].value),
          static_cast<long>(view.settings[Key::intvl].value),
          static_cast<long>(view.settings[Key::probes].value)};
}

TEST(BootLayouts, EveryRecordedOutcomeForBothModels) {
  for (const auto& layout : layouts::all()) {
    TempRoot root;
    layouts::write_layout(layout, root.path());
    EXPECT_EQ(values(resolve_boot(root.path(), BootModel::systemd)), layout.systemd)
        << "systemd: " << layout.name << ": " << layout.rules;
    EXPECT_EQ(values(resolve_boot(root.path(), BootModel::procps)), layout.procps)
        << "procps: " << layout.name << ": " << layout.rules;
  }
}

ConfNode file(std::string path, std::string content) {
  return ConfNode{path, path, NodeKind::regular, std::move(content)};
}

ConfTree tree(std::vector<ConfNode> etc, std::vector<ConfNode> usr_lib = {},
              ConfNode sysctl_conf = {"/etc/sysctl.conf", "/etc/sysctl.conf", NodeKind::broken,
                                      ""}) {
  ConfTree out;
  out.dirs = {{"/etc/sysctl.d", std::move(etc)}, {"/usr/lib/sysctl.d", std::move(usr_lib)}};
  out.sysctl_conf = std::move(sysctl_conf);
  return out;
}

TEST(BootResolve, OriginsAndWinner) {
  const BootView view = resolve_boot_tree(
      tree({file("/etc/sysctl.d/99-kaltune.conf", "net.ipv4.tcp_keepalive_time = 600\n")},
           {file("/usr/lib/sysctl.d/10-vendor.conf", "# v\nnet.ipv4.tcp_keepalive_time = 300\n")}),
      BootModel::systemd);
  EXPECT_EQ(view.settings[Key::time].value, 600);
  EXPECT_EQ(view.settings[Key::time].origin, "/etc/sysctl.d/99-kaltune.conf:1");
  EXPECT_EQ(view.settings[Key::intvl].origin, "kernel default");
  ASSERT_EQ(view.assignments.size(), 2u);
  EXPECT_EQ(view.assignments[0].origin(), "/usr/lib/sysctl.d/10-vendor.conf:2");
  EXPECT_FALSE(view.assignments[0].winner);
  EXPECT_TRUE(view.assignments[1].winner);
}

TEST(BootResolve, SystemdAppliesOnlyTheLastAssignmentOfAKey) {
  const ConfTree t = tree({file("/etc/sysctl.d/a.conf", "net.ipv4.tcp_keepalive_time = 600\n"
                                                        "net.ipv4.tcp_keepalive_time = 6x\n")});
  const BootView systemd = resolve_boot_tree(t, BootModel::systemd);
  EXPECT_EQ(systemd.settings[Key::time].value, 7200);
  EXPECT_FALSE(systemd.assignments[0].written);
  EXPECT_TRUE(systemd.assignments[1].written);
  EXPECT_FALSE(systemd.assignments[1].value);
  const BootView procps = resolve_boot_tree(t, BootModel::procps);
  EXPECT_EQ(procps.settings[Key::time].value, 600);
  EXPECT_EQ(procps.settings[Key::time].origin, "/etc/sysctl.d/a.conf:1");
}

TEST(BootResolve, WarnsAboutSurprisingAndRejectedValues) {
  const BootView view =
      resolve_boot_tree(tree({file("/etc/sysctl.d/a.conf", "net.ipv4.tcp_keepalive_time = 0300\n"
                                                           "net.ipv4.tcp_keepalive_intvl = \"30\"\n"
                                                           "net.ipv4.tcp_keepalive_probes\n")}),
                        BootModel::procps);
  const std::vector<std::string> expected{
      "/etc/sysctl.d/a.conf:3: not an assignment; procps sysctl ignores the line (\"invalid "
      "syntax\"): net.ipv4.tcp_keepalive_probes",
      "/etc/sysctl.d/a.conf:1: net.ipv4.tcp_keepalive_time = 0300: the kernel reads 0300 as "
      "octal: 192",
      "/etc/sysctl.d/a.conf:2: net.ipv4.tcp_keepalive_intvl = \"30\": \"\"30\"\" is not a "
      "number: the kernel rejects it (EINVAL); the value before it stays"};
  EXPECT_EQ(view.warnings, expected);
}

TEST(BootResolve, SingleFileLeavesOtherKeysAtTheKernelDefault) {
  const BootView view =
      resolve_file(file("/tmp/x.conf", "net.ipv4.tcp_keepalive_intvl = 30\n"), BootModel::systemd);
  EXPECT_EQ(view.settings[Key::intvl].value, 30);
  EXPECT_EQ(view.settings[Key::intvl].origin, "/tmp/x.conf:1");
  EXPECT_EQ(view.settings[Key::time].origin, "kernel default");
}

struct NormalizeCase {
  std::string_view key;
  std::string_view systemd;
  std::string_view procps;
};

TEST(BootRules, KeySpellings) {
  const NormalizeCase cases[] = {
      {"net.ipv4.tcp_keepalive_time", "net/ipv4/tcp_keepalive_time",
       "/proc/sys/net/ipv4/tcp_keepalive_time"},
      {"net/ipv4/tcp_keepalive_time", "net/ipv4/tcp_keepalive_time",
       "/proc/sys/net/ipv4/tcp_keepalive_time"},
      {"/net/ipv4/tcp_keepalive_time", "net/ipv4/tcp_keepalive_time",
       "/proc/sys//net/ipv4/tcp_keepalive_time"},
      {"/net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_time",
       "/proc/sys//net.ipv4.tcp_keepalive_time"},
      {"net.ipv4/tcp_keepalive_time", "net/ipv4.tcp_keepalive_time",
       "/proc/sys/net/ipv4.tcp_keepalive_time"},
      {"net..ipv4.tcp_keepalive_time", "net/ipv4/tcp_keepalive_time",
       "/proc/sys/net//ipv4/tcp_keepalive_time"},
      {"-net.ipv4.tcp_keepalive_time", "-net/ipv4/tcp_keepalive_time",
       "/proc/sys/net/ipv4/tcp_keepalive_time"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(systemd_normalize(c.key), c.systemd) << c.key;
    EXPECT_EQ(procps_path(c.key), c.procps) << c.key;
  }
}

TEST(BootRules, WhichKeyAPathReaches) {
  EXPECT_EQ(procps_reaches("/proc/sys//net/ipv4/tcp_keepalive_time"), Key::time);
  EXPECT_EQ(procps_reaches("/proc/sys/net/./ipv4/../ipv4/tcp_keepalive_intvl"), Key::intvl);
  EXPECT_EQ(procps_reaches("/proc/sys/net/ipv4/tcp_keepalive_probes/"), std::nullopt);
  EXPECT_EQ(procps_reaches("/proc/sys/net/ipv4.tcp_keepalive_time"), std::nullopt);
  EXPECT_EQ(procps_reaches("/proc/sys/ net/ipv4/tcp_keepalive_time"), std::nullopt);
  EXPECT_EQ(systemd_reaches("net/ipv4/tcp_keepalive_probes"), Key::probes);
  EXPECT_EQ(systemd_reaches("net.ipv4.tcp_keepalive_probes"), std::nullopt);
}

TEST(BootModelDetection, SystemdWhenItsApplierExistsUnderTheRoot) {
  TempRoot root;
  EXPECT_EQ(detect_boot_model(root.path()), BootModel::procps);
  fs::create_directories(root.path() / "usr/lib/systemd");
  fs::create_directory_symlink("usr/lib", root.path() / "lib");
  std::ofstream(root.path() / "usr/lib/systemd/systemd-sysctl") << "#!/bin/true\n";
  EXPECT_EQ(detect_boot_model(root.path()), BootModel::systemd);
}

TEST(ConfTreeSeam, SymlinksNeverLeaveTheRoot) {
  TempRoot root;
  fs::create_directories(root.path() / "etc/sysctl.d");
  fs::create_directories(root.path() / "run");
  std::ofstream(root.path() / "run/x.conf") << "inside\n";
  fs::create_symlink("/run/x.conf", root.path() / "etc/sysctl.d/abs.conf");
  fs::create_symlink("../../../../../../run/x.conf", root.path() / "etc/sysctl.d/up.conf");
  fs::create_symlink("/etc/passwd", root.path() / "etc/sysctl.d/host.conf");
  const ConfNode abs = read_conf_node(root.path(), "/etc/sysctl.d/abs.conf");
  EXPECT_EQ(abs.content, "inside\n");
  EXPECT_EQ(abs.target, "/run/x.conf");
  EXPECT_EQ(read_conf_node(root.path(), "/etc/sysctl.d/up.conf").content, "inside\n");
  const ConfNode host = read_conf_node(root.path(), "/etc/sysctl.d/host.conf");
  EXPECT_EQ(host.kind, NodeKind::broken); // the root has no /etc/passwd; the host's is not read
  EXPECT_EQ(host.target, "/etc/passwd");
}

TEST(ConfTreeSeam, LinkToDevNullMasksEvenWithoutDevInTheRoot) {
  TempRoot root;
  fs::create_directories(root.path() / "etc/sysctl.d");
  fs::create_symlink("/dev/null", root.path() / "etc/sysctl.d/m.conf");
  EXPECT_EQ(read_conf_node(root.path(), "/etc/sysctl.d/m.conf").kind, NodeKind::null_device);
}

} // namespace
} // namespace kaltune
