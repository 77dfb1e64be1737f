// set --persist into a tree without /etc/sysctl.d (a minimal image under --root): kaltune creates
// the directory (mode 0755) and its own file there, and the real appliers then land on the values;
// when the directory cannot be created it says so, exit 4, and the tree is unchanged.

#include "harness.hpp"
#include "replay.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

const std::string header = "# Managed by kaltune: TCP keepalive values applied at boot.\n"
                           "# Change them with `kaltune set --persist`, remove them with "
                           "`kaltune reset --persist`.\n"
                           "# kaltune rewrites only the lines of its keys (tcp_keepalive_*, "
                           "tcp_retries2), no other line.\n";

std::vector<std::string> set_args(const fs::path& root, const std::string& model) {
  return {"--root", root.string(), "--boot-model", model,      "set", "--time",
          "600",    "--intvl",     "30",           "--probes", "4",   "--persist"};
}

// Every path under `root`, with the mode of each.
std::vector<std::string> listing(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    struct stat st {};
    ::lstat(entry.path().c_str(), &st);
    out.push_back(fs::relative(entry.path(), root).string() + " " + std::to_string(st.st_mode));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class PersistNewDirectory : public ::testing::TestWithParam<std::string> {};

TEST_P(PersistNewDirectory, CreatesSysctlDAndTheAppliersLandOnTheValues) {
  const std::string& model = GetParam();
  if (const std::string why = replay_unavailable(model); !why.empty()) {
    GTEST_SKIP() << why;
  }
  Mounts run; // kaltune's lock, the host's /run/kaltune.lock, in a private /run
  run.tmpfs("/run");
  TempRoot root;
  fs::create_directory(root.path() / "etc");
  const mode_t old_umask = ::umask(077); // the directory is 0755 whatever the umask
  const RunResult result = run_kaltune(set_args(root.path(), model));
  ::umask(old_umask);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  struct stat st {};
  ASSERT_EQ(::stat((root.path() / "etc/sysctl.d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.d/99-kaltune.conf"),
            header + "net.ipv4.tcp_keepalive_time = 600\n"
                     "net.ipv4.tcp_keepalive_intvl = 30\n"
                     "net.ipv4.tcp_keepalive_probes = 4\n");
  const Replay replay = replay_layout(root.path(), model);
  EXPECT_EQ(replay.values, (std::vector<long>{600, 30, 4}))
      << replay.applied.out << replay.applied.err;
}

INSTANTIATE_TEST_SUITE_P(Models, PersistNewDirectory, ::testing::Values("systemd", "procps"),
                         [](const auto& info) { return info.param; });

TEST(PersistNewDirectory, ImpossibleCreationIsSaidInWordsAndChangesNothing) {
  KALTUNE_REQUIRE_NETNS();
  if (!isolation().private_mountns) {
    GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
  }
  Mounts run;
  run.tmpfs("/run");
  TempRoot root; // no /etc at all: /etc/sysctl.d has no parent to be created in
  fs::create_directories(root.path() / "usr/lib/sysctl.d");
  const auto before = listing(root.path());
  const RunResult result = run_kaltune(set_args(root.path(), "procps"));
  EXPECT_EQ(result.status, 4);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "kaltune: cannot create the directory /etc/sysctl.d for "
                        "/etc/sysctl.d/99-kaltune.conf: No such file or directory\n");
  EXPECT_EQ(listing(root.path()), before);
}

} // namespace
} // namespace kaltune::itest
