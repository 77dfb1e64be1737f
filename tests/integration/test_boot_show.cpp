// `show --source boot` and `show --source FILE` through the built binary: options, exit
// statuses, where the output goes. What the values are is the differential test's business.

#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace kaltune::itest {
namespace {

TEST(BootShow, FileSourceSaysWhichKeysItDoesNotSet) {
  TempRoot dir;
  const auto file = dir.write("ka.conf", "net.ipv4.tcp_keepalive_time = 0300\n");
  const auto table = run_kaltune({"show", "--source", file.string(), "--boot-model", "systemd"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("192 s (3m12s)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(file.string() + ":1"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("kernel default (not set in " + file.string() + ")"), std::string::npos)
      << table.out;
  EXPECT_EQ(table.err, "warning: " + file.string() +
                           ":1: net.ipv4.tcp_keepalive_time = 0300: the kernel reads 0300 as "
                           "octal: 192\n");
  const auto json =
      run_kaltune({"--json", "show", "--source", file.string(), "--boot-model", "systemd"});
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(json.err, "");
  const auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["source"], file.string());
  EXPECT_EQ(parsed["not_assigned"],
            nlohmann::json::array({"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
                                   "net.ipv4.tcp_retries2"}));
  EXPECT_EQ(parsed["diagnostics"].size(), 1u);
}

TEST(BootShow, FileSourceIsReadInsideTheRoot) {
  TempRoot root;
  root.write("etc/sysctl.d/x.conf", "net.ipv4.tcp_keepalive_probes = 4\n");
  const auto result = run_kaltune({"--root", root.path().string(), "show", "--source",
                                   "/etc/sysctl.d/x.conf", "--json", "--boot-model", "procps"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto parsed = nlohmann::json::parse(result.out);
  EXPECT_EQ(parsed["settings"]["net.ipv4.tcp_keepalive_probes"]["value"], 4);
  EXPECT_EQ(parsed["settings"]["net.ipv4.tcp_keepalive_probes"]["origin"],
            "/etc/sysctl.d/x.conf:1");
}

TEST(BootShow, MissingFileIsASystemFailure) {
  TempRoot dir;
  const auto result = run_kaltune({"show", "--source", (dir.path() / "none.conf").string()});
  EXPECT_EQ(result.status, 4);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "kaltune: cannot read " + (dir.path() / "none.conf").string() + ": no such file\n");
}

TEST(BootShow, UnreadableConfigurationIsPermissionDenied) {
  KALTUNE_REQUIRE_ROOT();
  TempRoot root;
  const auto file = root.write("etc/sysctl.d/secret.conf", "net.ipv4.tcp_keepalive_time = 1\n");
  ::chmod(file.c_str(), 0600);
  ::chmod(root.path().c_str(), 0755);
  RunOptions as_nobody;
  as_nobody.uid = 65534;
  as_nobody.gid = 65534;
  const auto result =
      run_kaltune({"--root", root.path().string(), "show", "--source", "boot"}, as_nobody);
  EXPECT_EQ(result.status, 3) << result.err;
  EXPECT_EQ(result.err, "kaltune: cannot open /etc/sysctl.d/secret.conf: Permission denied\n");
}

TEST(BootShow, RootMustBeADirectory) {
  const auto result = run_kaltune({"--root", "/nonexistent/kaltune", "show", "--source", "boot"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("--root"), std::string::npos) << result.err;
}

TEST(BootShow, BootModelIsChecked) {
  const auto result = run_kaltune({"--boot-model", "upstart", "show", "--source", "boot"});
  EXPECT_EQ(result.status, 2);
}

TEST(BootShow, AutoModelFollowsSystemdSysctlUnderTheRoot) {
  TempRoot root;
  root.write("etc/sysctl.d/a.conf", "net.ipv4.tcp_keepalive_intvl = 30\n");
  auto model = [&] {
    const auto result =
        run_kaltune({"--root", root.path().string(), "--json", "show", "--source", "boot"});
    EXPECT_EQ(result.status, 0) << result.err;
    return nlohmann::json::parse(result.out)["model"].get<std::string>();
  };
  EXPECT_EQ(model(), "procps");
  root.write("usr/lib/systemd/systemd-sysctl", "");
  EXPECT_EQ(model(), "systemd");
}

TEST(BootShow, WarningsGoToStderrAndQuietSilencesThem) {
  TempRoot root;
  root.write("usr/lib/sysctl.d/.hidden.conf", "net.ipv4.tcp_keepalive_time = 100\n");
  const auto loud = run_kaltune(
      {"--root", root.path().string(), "show", "--source", "boot", "--boot-model", "systemd"});
  ASSERT_EQ(loud.status, 0);
  EXPECT_EQ(loud.err, "warning: /usr/lib/sysctl.d/.hidden.conf: a hidden file: systemd-sysctl "
                      "skips it, procps sysctl --system applies it\n");
  const auto quiet = run_kaltune({"--root", root.path().string(), "-q", "show", "--source", "boot",
                                  "--boot-model", "systemd"});
  EXPECT_EQ(quiet.err, "");
  EXPECT_EQ(quiet.out, loud.out);
}

TEST(BootShow, JsonReplacesBytesThatAreNotUtf8) {
  TempRoot root;
  root.write("etc/sysctl.d/a.conf", "net.ipv4.tcp_keepalive_time = 600 # caf\xe9\n");
  const auto result = run_kaltune({"--root", root.path().string(), "--json", "show", "--source",
                                   "boot", "--boot-model", "systemd"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 600);
  EXPECT_NE(result.out.find("caf\xef\xbf\xbd"), std::string::npos) << result.out;
}

} // namespace
} // namespace kaltune::itest
