// What every command's machine-readable output has in common: the JSON `settings` object has one
// shape wherever it appears (the three keys in order, each with value, unit and origin), and the
// Prometheus exposition of `show` is valid for the real parser whatever the source's path.

#include "../common/layouts.hpp"
#include "harness.hpp"
#include "loopback.hpp"
#include "replay.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace kaltune::itest {
namespace {

using Json = nlohmann::ordered_json; // keeps the order of the keys as printed

const std::vector<std::string> key_names{"net.ipv4.tcp_keepalive_time",
                                         "net.ipv4.tcp_keepalive_intvl",
                                         "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_retries2"};

// The one shape: exactly the four keys in order, each exactly {"value": integer, "unit":
// "seconds"|"count", "origin": origins[i]}.
void expect_settings(const Json& settings, const std::vector<std::string>& origins,
                     const std::string& where) {
  SCOPED_TRACE(where + ": " + settings.dump());
  ASSERT_TRUE(settings.is_object());
  std::vector<std::string> names;
  for (const auto& [name, value] : settings.items()) {
    names.push_back(name);
  }
  ASSERT_EQ(names, key_names);
  for (std::size_t i = 0; i < key_names.size(); ++i) {
    const Json& value = settings[key_names[i]];
    ASSERT_TRUE(value.is_object());
    EXPECT_EQ(value.size(), 3u);
    EXPECT_TRUE(value["value"].is_number_integer());
    EXPECT_EQ(value["unit"], i < 2 ? "seconds" : "count");
    EXPECT_EQ(value["origin"], origins[i]);
  }
}

const std::vector<std::string> all_running{"running", "running", "running", "running"};

Json json_of(const RunResult& result, int status, const std::string& where) {
  EXPECT_EQ(result.status, status) << where << ": " << result.err;
  return Json::parse(result.out);
}

class JsonSettings : public ::testing::Test {
protected:
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    loopback_at_defaults();
  }
};

TEST_F(JsonSettings, Show) {
  expect_settings(json_of(run_kaltune({"--json", "show"}), 0, "show")["settings"], all_running,
                  "show");
  expect_settings(
      json_of(run_kaltune({"--json", "show", "--source", "default"}), 0, "default")["settings"],
      {"kernel default", "kernel default", "kernel default", "kernel default"},
      "show --source default");
  TempRoot root;
  root.write("etc/sysctl.d/50-a.conf", "net.ipv4.tcp_keepalive_probes = 4\n");
  for (const std::string source : {"boot", "/etc/sysctl.d/50-a.conf"}) {
    const Json json = json_of(run_kaltune({"--root", root.path().string(), "--json", "show",
                                           "--source", source, "--boot-model", "systemd"}),
                              0, source);
    expect_settings(
        json["settings"],
        {"kernel default", "kernel default", "/etc/sysctl.d/50-a.conf:1", "kernel default"},
        "show --source " + source);
  }
}

TEST_F(JsonSettings, SetAndReset) {
  expect_settings(json_of(run_kaltune({"--json", "set", "--time", "600"}), 0, "set")["settings"],
                  all_running, "set");
  expect_settings(json_of(run_kaltune({"--json", "set", "--probes", "3", "--dry-run"}), 0,
                          "set --dry-run")["settings"],
                  all_running, "set --dry-run");
  const Json reset = json_of(run_kaltune({"--json", "reset"}), 0, "reset");
  expect_settings(reset["settings"], all_running, "reset");
  EXPECT_EQ(reset["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 7200);
}

TEST_F(JsonSettings, DiffAndCheck) {
  write_sysctl("net.ipv4.tcp_keepalive_time", 600);
  const Json diff = json_of(run_kaltune({"--json", "diff", "running", "default"}), 1, "diff");
  expect_settings(diff["a"]["settings"], all_running, "diff a");
  expect_settings(diff["b"]["settings"],
                  {"kernel default", "kernel default", "kernel default", "kernel default"},
                  "diff b");
  expect_settings(json_of(run_kaltune({"--json", "check"}), 0, "check")["settings"], all_running,
                  "check");
}

TEST_F(JsonSettings, SocketsSummary) {
  const Json json = json_of(run_kaltune({"--json", "sockets"}), 0, "sockets");
  expect_settings(json["summary"]["settings"], all_running, "sockets");
}

TEST_F(JsonSettings, VerifyNamesWhatTheCommandLineGave) {
  write_sysctl("net.ipv4.tcp_keepalive_intvl", 1);
  // The idle half neither uses nor refuses this namespace's own tcp_retries2, even 0.
  write_sysctl("net.ipv4.tcp_retries2", 0);
  const Json json =
      json_of(run_kaltune({"--json", "verify", "--time", "1", "--probes", "1", "--timeout", "30"}),
              0, "verify");
  write_sysctl("net.ipv4.tcp_retries2", 15);
  // The private namespace keeps the kernel's tcp_retries2: the idle half does not write it.
  expect_settings(json["settings"],
                  {"command line", "running", "command line", "private namespace"}, "verify");
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_retries2"]["value"], 15);
  EXPECT_EQ(json["settings"]["net.ipv4.tcp_keepalive_intvl"]["value"], 1);
}

// Under --root: only the file and the boot view; each boot value names the line that wins.
TEST_F(JsonSettings, PersistBootView) {
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  Mounts mounts;
  mounts.tmpfs("/run"); // the lock is the host's /run/kaltune.lock even with --root
  TempRoot root;
  layouts::write_layout(layouts::Layout{}, root.path());
  const std::vector<std::string> at_root{"--root", root.path().string(), "--boot-model", "systemd",
                                         "--json"};
  auto kaltune = [&](std::vector<std::string> args) {
    args.insert(args.begin(), at_root.begin(), at_root.end());
    return run_kaltune(args);
  };
  const std::string own = "/etc/sysctl.d/99-kaltune.conf";
  for (const bool dry_run : {true, false}) {
    std::vector<std::string> args{"set", "--time", "600", "--persist"};
    if (dry_run) {
      args.push_back("--dry-run");
    }
    const Json json = json_of(kaltune(args), 0, "set --persist");
    expect_settings(json["boot"]["settings"],
                    {own + ":4", "kernel default", "kernel default", "kernel default"},
                    dry_run ? "set --persist --dry-run" : "set --persist");
  }
  const Json reset = json_of(kaltune({"reset", "--persist"}), 0, "reset --persist");
  expect_settings(reset["boot"]["settings"],
                  {"kernel default", "kernel default", "kernel default", "kernel default"},
                  "reset --persist");
}

// The path of a program in PATH, "" when there is none.
std::string in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / program;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return "";
}

// A source path with a double quote, a backslash and a line feed lands in the `source` label:
// escaped as the exposition format says, promtool accepts the text.
TEST(Prometheus, SourcePathIsEscapedForTheRealParser) {
  if (in_path("promtool").empty()) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  TempRoot dir;
  const auto file = dir.write("we\"ird\\na\nme.conf", "net.ipv4.tcp_keepalive_time = 600\n");
  const auto result = run_kaltune({"show", "--source", file.string(), "--format", "prometheus"});
  ASSERT_EQ(result.status, 0) << result.err;
  const std::string escaped = dir.path().string() + "/we\\\"ird\\\\na\\nme.conf";
  EXPECT_NE(result.out.find("kaltune_tcp_keepalive_time_seconds{source=\"" + escaped + "\"} 600\n"),
            std::string::npos)
      << result.out;
  RunOptions input;
  input.stdin_text = result.out;
  const auto check = run({"promtool", "check", "metrics"}, input);
  EXPECT_EQ(check.status, 0) << check.out << check.err << "\n" << result.out;
}

} // namespace
} // namespace kaltune::itest
