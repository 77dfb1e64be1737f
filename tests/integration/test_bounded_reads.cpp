// Every configuration read is bounded (1 MiB, sys/read_fd.hpp): a 2 GB sparse file under --root
// costs no memory and no time, and what it means for the answer is said in words.

#include "persist_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

class BoundedReads : public Persist {
protected:
  void SetUp() override {
    Persist::SetUp();
    if (IsSkipped()) {
      return;
    }
    const fs::path big = root.path() / "etc/sysctl.d/50-big.conf";
    ASSERT_EQ(run({"truncate", "-s", "2G", big.string()}).status, 0);
  }
  // kaltune on the root under GNU time: its exit status, output, and peak RSS in KiB.
  RunResult measured(const std::vector<std::string>& args, long& max_rss_kib) {
    std::vector<std::string> argv{"/usr/bin/time", "-f", "@@rss %M", kaltune_binary()};
    for (const auto& arg : on_root(root.path(), "systemd", args)) {
      argv.push_back(arg);
    }
    RunResult result = run(argv);
    const auto at = result.err.rfind("@@rss ");
    max_rss_kib = at == std::string::npos ? -1 : std::stol(result.err.substr(at + 6));
    if (at != std::string::npos) {
      result.err.erase(at);
    }
    return result;
  }
};

TEST_F(BoundedReads, BootViewSaysTheFileWasNotRead) {
  if (!fs::exists("/usr/bin/time")) {
    GTEST_SKIP() << "no /usr/bin/time (GNU time) to measure the peak RSS";
  }
  long rss = 0;
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = measured({"show", "--source", "boot"}, rss);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE((result.out + result.err)
                .find("/etc/sysctl.d/50-big.conf: larger than 1 MiB: not read, so what boot "
                      "applies from it is unknown"),
            std::string::npos)
      << result.out << result.err;
  EXPECT_GT(rss, 0);
  EXPECT_LT(rss, 32 * 1024) << "peak RSS " << rss << " KiB";
  std::cout << "[ figures  ] show --source boot with a 2 GB file: peak RSS " << rss << " KiB, "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
}

// procps applies /etc/sysctl.conf after every sysctl.d file: too long to read, it is listed and
// said unknown like a sysctl.d file, never passed over in silence.
TEST_F(BoundedReads, AnOverLongSysctlConfIsNamedToo) {
  fs::remove(root.path() / "etc/sysctl.d/50-big.conf");
  ASSERT_EQ(run({"truncate", "-s", "2G", (root.path() / "etc/sysctl.conf").string()}).status, 0);
  const RunResult result =
      run_kaltune(on_root(root.path(), "procps", {"--json", "show", "--source", "boot"}));
  EXPECT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  const std::string said = "/etc/sysctl.conf: larger than 1 MiB: not read, so what boot applies "
                           "from it is unknown";
  EXPECT_NE(std::find(json["diagnostics"].begin(), json["diagnostics"].end(), said),
            json["diagnostics"].end())
      << json["diagnostics"].dump();
  const auto listed = std::find_if(json["files"].begin(), json["files"].end(),
                                   [](const auto& f) { return f["path"] == "/etc/sysctl.conf"; });
  ASSERT_NE(listed, json["files"].end()) << json["files"].dump();
  EXPECT_EQ((*listed)["applied"], false);
  const RunResult persist =
      run_kaltune(on_root(root.path(), "procps", {"set", "--time", "600", "--persist"}));
  EXPECT_EQ(persist.status, 4);
  EXPECT_EQ(persist.err, "kaltune: /etc/sysctl.conf is larger than 1 MiB and was not read: what "
                         "boot applies cannot be predicted\n");
}

TEST_F(BoundedReads, PersistRefusesRatherThanGuess) {
  const auto before = snapshot(root.path());
  for (const bool dry_run : {false, true}) {
    std::vector<std::string> args{"set", "--time", "600", "--persist"};
    if (dry_run) {
      args.emplace_back("--dry-run");
    }
    const RunResult result = kaltune(args);
    EXPECT_EQ(result.status, 4) << result.err;
    EXPECT_EQ(result.err, "kaltune: /etc/sysctl.d/50-big.conf is larger than 1 MiB and was not "
                          "read: what boot applies cannot be predicted\n");
  }
  const RunResult file =
      kaltune({"set", "--time", "600", "--persist", "--file", "/etc/sysctl.d/50-big.conf"});
  EXPECT_EQ(file.status, 4);
  EXPECT_NE(file.err.find("50-big.conf is larger than 1 MiB: not read, and kaltune does not "
                          "edit it"),
            std::string::npos)
      << file.err;
  EXPECT_EQ(snapshot(root.path()), before);
}

TEST_F(BoundedReads, ShowSourceAndDiffSayTheSame) {
  const RunResult show = kaltune({"show", "--source", "/etc/sysctl.d/50-big.conf"});
  EXPECT_EQ(show.status, 4);
  EXPECT_EQ(show.err, "kaltune: /etc/sysctl.d/50-big.conf is larger than 1 MiB: not read (not a "
                      "sysctl config file)\n");
  const RunResult diff = kaltune({"diff", "/etc/sysctl.d/50-big.conf", "default"});
  EXPECT_EQ(diff.status, 4);
  EXPECT_EQ(diff.err, "kaltune: source /etc/sysctl.d/50-big.conf is larger than 1 MiB: not read "
                      "(not a sysctl config file or a `kaltune --json show` snapshot)\n");
}

} // namespace
} // namespace kaltune::itest
