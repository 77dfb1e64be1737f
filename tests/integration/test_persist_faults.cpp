// set --persist when something goes wrong midway: a signal, a failing system call (injected with
// strace), a runtime write that fails, a file the user may not write. Either the change completes
// or every file and value is as it was.

#include "persist_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;

// `set --time 600 --persist` on `root`, under strace that holds kaltune for `delay_us` at its
// first fsync, the temp file's, in the middle of the write.
std::vector<std::string> held_at_fsync(const TempRoot& root, long delay_us) {
  return std::vector<std::string>(
      {"strace", "-f", "-o", "/dev/stderr", "-e", "trace=fsync", "-e",
       "inject=fsync:delay_enter=" + std::to_string(delay_us) + ":when=1", kaltune_binary(), "-q",
       "--root", root.path().string(), "--boot-model", "systemd", "set", "--time", "600",
       "--persist"});
}

// The pid of kaltune once strace reports (with -f, "PID fsync(") that it got to its fsync; 0 when
// it never did.
pid_t pid_at_fsync(Process& traced) {
  if (!traced.wait_for_err(" fsync(", std::chrono::seconds(60))) {
    return 0;
  }
  const std::string& trace = traced.so_far().err;
  const auto line = trace.rfind('\n', trace.find(" fsync(")) + 1;
  return static_cast<pid_t>(std::stol(trace.substr(line)));
}

TEST_F(Persist, SigtermDuringTheWriteWaitsForTheChangeToFinish) {
  // kaltune held for 2 s at the temp file's fsync; the test sends SIGTERM as soon as it is there.
  Process traced(held_at_fsync(root, 2000000));
  const pid_t writer = pid_at_fsync(traced);
  ASSERT_NE(writer, 0) << "kaltune never reached fsync:\n" << traced.so_far().err;
  // In the middle of the write: the temp file is there, the target not yet.
  EXPECT_FALSE(fs::exists(root.path() / "etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(root.list("etc/sysctl.d").size(), 1u);
  ASSERT_EQ(::kill(writer, SIGTERM), 0);
  const RunResult result = traced.finish();
  // The change finished first, then SIGTERM took its usual effect (strace dies the same way).
  EXPECT_EQ(result.status, 128 + SIGTERM) << result.err;
  EXPECT_NE(result.err.find("killed by SIGTERM"), std::string::npos) << result.err;
  EXPECT_EQ(own(), header + "net.ipv4.tcp_keepalive_time = 600\n");
  EXPECT_EQ(root.list("etc/sysctl.d"), std::vector<std::string>{"99-kaltune.conf"});
}

TEST_F(Persist, KilledWriteLeavesATempFileTheNextRunRemoves) {
  if (const RunResult probe = run({"strace", "-o", "/dev/null", "true"}); probe.status != 0) {
    GTEST_SKIP() << "strace is not installed or may not trace here (`strace true` exit "
                 << probe.status << ") " << probe.err;
  }
  // As in the SIGTERM test, kaltune held at the temp file's fsync; SIGKILL then gives it no
  // chance to clean up. (strace reaps the killed process, and exits, only once the 5 s delay is
  // over.)
  Process traced(held_at_fsync(root, 5000000));
  const pid_t writer = pid_at_fsync(traced);
  ASSERT_NE(writer, 0) << "kaltune never reached fsync:\n" << traced.so_far().err;
  const std::string dead = ".99-kaltune.conf.kaltune-" + std::to_string(writer) + "-0";
  ASSERT_EQ(root.list("etc/sysctl.d"), std::vector<std::string>{dead});
  ASSERT_EQ(::kill(writer, SIGKILL), 0);
  const RunResult killed = traced.finish();
  EXPECT_EQ(killed.status, 128 + SIGKILL) << killed.err;
  // Left behind, whole: the temp file was written, only its fsync and rename never came.
  EXPECT_EQ(root.list("etc/sysctl.d"), std::vector<std::string>{dead});
  EXPECT_EQ(root.read("etc/sysctl.d/" + dead), header + "net.ipv4.tcp_keepalive_time = 600\n");
  // A temp file named after a process that is alive (this test) belongs to a running writer.
  const std::string live = ".99-kaltune.conf.kaltune-" + std::to_string(::getpid()) + "-1";
  root.write("etc/sysctl.d/" + live, "a running writer's bytes\n");
  // The next run holds the lock: the killed run's temp file is no one's any more.
  const RunResult next = kaltune({"set", "--time", "900", "--persist"});
  EXPECT_EQ(next.status, 0) << next.err;
  EXPECT_EQ(next.err, "warning: removed " + dead + ", left by a kaltune run that was killed\n");
  EXPECT_EQ(own(), header + "net.ipv4.tcp_keepalive_time = 900\n");
  EXPECT_EQ(root.list("etc/sysctl.d"), (std::vector<std::string>{live, "99-kaltune.conf"}));
  EXPECT_EQ(root.read("etc/sysctl.d/" + live), "a running writer's bytes\n");
}

// strace makes one system call of the real write path fail: the original stays byte-identical
// and no temporary file is left beside it.
struct Injected {
  std::string name;
  std::string calls; // strace's -e trace=CALLS -e inject=CALLS:FAULT
  std::string fault;
  std::string message;
};

void PrintTo(const Injected& injected, std::ostream* os) {
  *os << injected.name;
}

class InjectedWriteFailure : public Persist, public ::testing::WithParamInterface<Injected> {};

TEST_P(InjectedWriteFailure, OriginalByteIdentical) {
  root.write("etc/sysctl.conf", "# local\nnet.ipv4.tcp_keepalive_time = 100");
  fs::create_symlink("../sysctl.conf", root.path() / "etc/sysctl.d/99-sysctl.conf"); // Debian's
  ASSERT_EQ(::chmod((root.path() / "etc/sysctl.conf").c_str(), 0640), 0);
  const auto before = snapshot(root.path());
  const Injected& injected = GetParam();
  std::vector<std::string> argv{"strace",
                                "-f",
                                "-o",
                                "/dev/null",
                                "-e",
                                "trace=" + injected.calls,
                                "-e",
                                "inject=" + injected.calls + ":" + injected.fault,
                                kaltune_binary(),
                                "-q"}; // no "waiting for the lock" line to take the injected write
  const auto args = on_root(root.path(), "systemd",
                            {"set", "--time", "600", "--persist", "--file", "/etc/sysctl.conf"});
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult result = run(argv);
  EXPECT_EQ(result.status, 4) << result.out << result.err;
  EXPECT_NE(result.err.find(GetParam().message), std::string::npos) << result.err;
  EXPECT_EQ(snapshot(root.path()), before);
}

INSTANTIATE_TEST_SUITE_P(
    Strace, InjectedWriteFailure,
    ::testing::Values(
        Injected{"write", "write", "error=EIO:when=1",
                 "write of the temporary file: Input/output error"},
        Injected{"fsync", "fsync", "error=EIO:when=1",
                 "fsync of the temporary file: Input/output error"},
        Injected{"fchmod", "fchmod", "error=EIO:when=1", "chmod to 0640: Input/output error"},
        Injected{"rename", "rename,renameat,renameat2", "error=EIO:when=1", "rename of"},
        Injected{"directory_fsync", "fsync", "error=EIO:when=2", "fsync of directory /"},
        Injected{"no_space", "write", "error=ENOSPC:when=1", "No space left on device"}),
    [](const ::testing::TestParamInfo<Injected>& info) { return info.param.name; });

TEST_F(PersistLive, RuntimeFailureRestoresTheFile) {
  const RunResult result =
      run({"strace", "-f", "-o", "/dev/null", "-P", "/proc/sys/net/ipv4/tcp_keepalive_probes", "-e",
           "trace=write", "-e", "inject=write:error=EIO", kaltune_binary(), "set", "--time", "600",
           "--intvl", "30", "--probes", "4", "--persist"});
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_NE(result.err.find("rolled back net.ipv4.tcp_keepalive_intvl = 75, "
                            "net.ipv4.tcp_keepalive_time = 7200; "
                            "/etc/sysctl.d/99-kaltune.conf restored as it was"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

// Every directory fsync fails (the 2nd and 4th fsync: the temp file's come first): the restore
// puts the old bytes back and only its own directory fsync fails. The message says the file is
// as it was (not durably) and the kernel unchanged, never that it holds the new values.
TEST_F(Persist, ARestoreThatOnlyFailsToSyncSaysTheFileIsAsItWas) {
  if (const RunResult probe = run({"strace", "-o", "/dev/null", "true"}); probe.status != 0) {
    GTEST_SKIP() << "strace is not installed or may not trace here: " << probe.err;
  }
  root.write("etc/sysctl.d/99-kaltune.conf", header + "net.ipv4.tcp_keepalive_time = 500\n");
  const RunResult result =
      run({"strace", "-f", "-o", "/dev/null", "-e", "trace=fsync", "-e",
           "inject=fsync:error=EIO:when=2+2", kaltune_binary(), "--root", root.path().string(),
           "--boot-model", "systemd", "set", "--time", "600", "--persist"});
  EXPECT_EQ(result.status, 4) << result.err;
  const std::string file = (root.path() / "etc/sysctl.d/99-kaltune.conf").string();
  EXPECT_EQ(result.err.find("RESTORE"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("new"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.rfind("kaltune: cannot write " + file + ": fsync of directory ", 0), 0u)
      << result.err;
  EXPECT_NE(result.err.find("; " + file +
                            " is as it was again, but that may not survive a crash "
                            "either ("),
            std::string::npos)
      << result.err;
  EXPECT_EQ(own(), header + "net.ipv4.tcp_keepalive_time = 500\n");
  EXPECT_EQ(root.list("etc/sysctl.d"), std::vector<std::string>{"99-kaltune.conf"});
}

TEST_F(PersistLive, PermissionDeniedIsExitThreeAndChangesNothing) {
  // The lock exists, as after any root run: what stops this user is the file itself.
  ::close(::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const RunResult result = run_kaltune(set_asked, nobody);
  EXPECT_EQ(result.status, 3) << result.err;
  // Refused before anything is written, from the directory's access (as --dry-run refuses it).
  EXPECT_EQ(result.err, "kaltune: cannot write /etc/sysctl.d/99-kaltune.conf: no write access to "
                        "the directory /etc/sysctl.d: Permission denied\n");
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

} // namespace
} // namespace kaltune::itest
