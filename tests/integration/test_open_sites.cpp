// Every open of a path that a user or a configuration tree supplies: a FIFO, a socket and a
// device there are refused at once (exit 4, "not a regular file" / "not a network namespace", the
// same words at every site), never waited on; a symlink loop is called a loop. Each run is under
// timeout(1), so an open that blocks fails the test (status 124) instead of hanging the suite.

#include "persist_fixture.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

// Makes `path` a FIFO, a listening-less socket or a character device (/dev/zero's numbers);
// the name of the kind as kaltune says it, or "" with `why` set when it cannot.
std::string make_special(const fs::path& path, const std::string& kind, std::string& why) {
  fs::create_directories(path.parent_path());
  if (kind == "FIFO") {
    if (::mkfifo(path.c_str(), 0644) != 0) {
      why = std::string("mkfifo: ") + std::strerror(errno);
      return "";
    }
    return "a FIFO";
  }
  if (kind == "socket") {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.string().size() >= sizeof address.sun_path) {
      why = "socket path too long";
      ::close(fd);
      return "";
    }
    std::strcpy(address.sun_path, path.c_str());
    const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    ::close(fd);
    if (rc != 0) {
      why = std::string("bind: ") + std::strerror(errno);
      return "";
    }
    return "a socket";
  }
  if (::mknod(path.c_str(), S_IFCHR | 0644, ::makedev(1, 5)) != 0) {
    why = std::string("mknod: ") + std::strerror(errno);
    return "";
  }
  return "a device";
}

class OpenSites : public Persist, public ::testing::WithParamInterface<std::string> {
protected:
  // kaltune on the root under timeout(1): an open that blocks is status 124.
  RunResult bounded(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"timeout", "20", kaltune_binary()};
    for (const auto& arg : on_root(root.path(), "systemd", args)) {
      argv.push_back(arg);
    }
    return run(argv);
  }
  // Makes the special file at `relative` under the root; skips when it cannot.
  std::string special(const std::string& relative) {
    std::string why;
    const std::string kind = make_special(root.path() / relative, GetParam(), why);
    if (kind.empty()) {
      ADD_FAILURE() << why;
    }
    return kind;
  }
};

TEST_P(OpenSites, PersistTargetGivenWithFile) {
  const std::string kind = special("etc/special.conf");
  ASSERT_FALSE(kind.empty());
  const auto before = snapshot(root.path());
  for (const bool dry_run : {false, true}) {
    std::vector<std::string> args{"set",       "--time", "600",
                                  "--persist", "--file", "/etc/special.conf"};
    if (dry_run) {
      args.emplace_back("--dry-run");
    }
    const RunResult result = bounded(args);
    EXPECT_EQ(result.status, 4) << result.err;
    EXPECT_EQ(result.err, "kaltune: /etc/special.conf is not a regular file (" + kind +
                              "); kaltune edits only regular files\n");
  }
  EXPECT_EQ(snapshot(root.path()), before);
}

TEST_P(OpenSites, OwnFileLinkedToOne) {
  const std::string kind = special("var/special");
  ASSERT_FALSE(kind.empty());
  fs::create_symlink("/var/special", root.path() / "etc/sysctl.d/99-kaltune.conf");
  const auto before = snapshot(root.path());
  const std::string expected = "kaltune: /etc/sysctl.d/99-kaltune.conf (a symlink to "
                               "/var/special) is not a regular file (" +
                               kind + "); kaltune edits only regular files\n";
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"set", "--time", "600", "--persist"},
                                             {"set", "--time", "600", "--persist", "--dry-run"},
                                             {"reset", "--persist"},
                                             {"reset", "--persist", "--dry-run"}}) {
    const RunResult result = bounded(args);
    EXPECT_EQ(result.status, 4) << args[0] << " " << args.back() << ": " << result.err;
    EXPECT_EQ(result.err, expected) << args[0] << " " << args.back();
  }
  EXPECT_EQ(snapshot(root.path()), before);
}

TEST_P(OpenSites, ShowSourceAndDiffSayTheSame) {
  const std::string kind = special("etc/special.conf");
  ASSERT_FALSE(kind.empty());
  const RunResult show = bounded({"show", "--source", "/etc/special.conf"});
  EXPECT_EQ(show.status, 4);
  EXPECT_EQ(show.err, "kaltune: /etc/special.conf is not a regular file (" + kind + ")\n");
  const RunResult diff = bounded({"diff", "/etc/special.conf", "default"});
  EXPECT_EQ(diff.status, 4);
  EXPECT_EQ(diff.err, "kaltune: source /etc/special.conf is not a regular file (" + kind +
                          "); a sysctl config file or a `kaltune --json show` snapshot must be "
                          "one\n");
}

TEST_P(OpenSites, BootViewDoesNotOpenIt) {
  const std::string kind = special("etc/sysctl.d/50-special.conf");
  ASSERT_FALSE(kind.empty());
  const RunResult result = bounded({"show", "--source", "boot"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("not a regular file: not read"), std::string::npos) << result.out;
}

TEST_P(OpenSites, NetnsPath) {
  const std::string kind = special("ns");
  ASSERT_FALSE(kind.empty());
  const std::string path = (root.path() / "ns").string();
  const RunResult result = run({"timeout", "20", kaltune_binary(), "--netns", path, "show"});
  EXPECT_EQ(result.status, 4);
  EXPECT_EQ(result.err, "kaltune: " + path + " is not a network namespace (" + kind + ")\n");
}

INSTANTIATE_TEST_SUITE_P(Kinds, OpenSites, ::testing::Values("FIFO", "socket", "device"));

// `--netns /dev/ptmx`: opening it would allocate a terminal (and a device whose driver is absent
// answers ENXIO, which was once called "a socket"). Its type is read through an O_PATH
// descriptor, which asks no driver: the device is named as a device and never opened for real.
TEST(NetnsDevice, IsNamedAsWhatItIsAndNeverOpened) {
  if (const RunResult probe = run({"strace", "-o", "/dev/null", "true"}); probe.status != 0) {
    GTEST_SKIP() << "strace is not installed or may not trace here: " << probe.err;
  }
  const RunResult result =
      run({"timeout", "20", "strace", "-f", "-o", "/dev/stdout", "-e", "trace=open,openat",
           kaltune_binary(), "--netns", "/dev/ptmx", "show"});
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_EQ(result.err, "kaltune: /dev/ptmx is not a network namespace (a device)\n");
  std::istringstream trace(result.out);
  std::string line;
  std::size_t opens = 0;
  while (std::getline(trace, line)) {
    if (line.find("\"/dev/ptmx\"") != std::string::npos) {
      ++opens;
      EXPECT_NE(line.find("O_PATH"), std::string::npos) << "opened for real: " << line;
    }
  }
  EXPECT_EQ(opens, 1u) << result.out;
}

TEST_F(Persist, SymlinkLoopIsCalledALoop) {
  // Relative links: a loop both inside the root and on the host (for --netns).
  fs::create_symlink("b.conf", root.path() / "etc/a.conf");
  fs::create_symlink("a.conf", root.path() / "etc/b.conf");
  const RunResult show = kaltune({"show", "--source", "/etc/a.conf"});
  EXPECT_EQ(show.status, 4);
  EXPECT_EQ(show.err, "kaltune: /etc/a.conf: a symlink loop (more than 40 symlinks to follow)\n");
  const RunResult diff = kaltune({"diff", "/etc/a.conf", "default"});
  EXPECT_EQ(diff.status, 4);
  EXPECT_EQ(diff.err,
            "kaltune: source /etc/a.conf: a symlink loop (more than 40 symlinks to follow)\n");
  const RunResult persist = kaltune({"set", "--time", "600", "--persist", "--file", "/etc/a.conf"});
  EXPECT_EQ(persist.status, 4);
  EXPECT_EQ(persist.err,
            "kaltune: /etc/a.conf: a symlink loop (more than 40 symlinks to follow)\n");
  const std::string host = (root.path() / "etc/a.conf").string();
  const RunResult netns = run_kaltune({"--netns", host, "show"});
  EXPECT_EQ(netns.status, 4);
  EXPECT_EQ(netns.err, "kaltune: " + host + ": a symlink loop (more than 40 symlinks to follow)\n");
}

} // namespace
} // namespace kaltune::itest
