// set --persist, reset and diff with the built binary. Persisted layouts are replayed by the real
// appliers (tests/integration/replay.hpp) inside this process's private mount + network
// namespaces; the host's /etc and its sysctls are never touched.

#include "../common/layouts.hpp"
#include "../common/random_layout.hpp"
#include "harness.hpp"
#include "replay.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kaltune::itest {
namespace {

namespace fs = std::filesystem;
using layouts::Entry;
using layouts::file;
using layouts::link;

const std::vector<long> asked{600, 30, 4};
const std::vector<std::string> set_asked{"set", "--time",   "600", "--intvl",
                                         "30",  "--probes", "4",   "--persist"};
const std::string header = "# Managed by kaltune: TCP keepalive values applied at boot.\n"
                           "# Change them with `kaltune set --persist`, remove them with "
                           "`kaltune reset --persist`.\n"
                           "# kaltune rewrites only the net.ipv4.tcp_keepalive_* lines and keeps "
                           "any other line.\n";

// Every entry under a root: bytes of files, targets of links, mode and owner; with `times` also
// the modification times (of directories too: a temp file created and removed changes them).
std::map<std::string, std::string> snapshot(const fs::path& root, bool times = false) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = fs::relative(it->path(), root).string();
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    const std::string meta =
        std::to_string(st.st_mode) + ":" + std::to_string(st.st_uid) + ":" +
        std::to_string(st.st_gid) + ":" +
        (times ? std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":"
               : "");
    if (it->is_symlink()) {
      out[name] = meta + "-> " + fs::read_symlink(it->path()).string();
      it.disable_recursion_pending();
    } else if (it->is_regular_file()) {
      out[name] = meta + read_file(it->path());
    } else {
      out[name] = meta + "dir";
    }
  }
  return out;
}

// Every name in a directory, hidden ones (temp files) included.
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

layouts::Layout layout_of(std::vector<Entry> entries) {
  layouts::Layout layout;
  layout.entries = std::move(entries);
  return layout;
}

struct PersistCase {
  std::string name;
  std::vector<Entry> entries;
  std::vector<std::string> extra; // after `set --time 600 --intvl 30 --probes 4 --persist`
  int systemd_status;             // what kaltune must answer with each model
  int procps_status;
  std::string message; // part of stderr when the status is 4
};

struct PersistParam {
  const PersistCase* c;
  std::string model;
};
void PrintTo(const PersistParam& p, std::ostream* os) {
  *os << p.model << "/" << p.c->name;
}

const std::string ka_time = "net.ipv4.tcp_keepalive_time";

const std::vector<PersistCase>& persist_cases() {
  static const std::vector<PersistCase> cases{
      {"empty_creates_own_file", {}, {}, 0, 0, ""},
      {"own_file_updated_comment_kept",
       {file("etc/sysctl.d/99-kaltune.conf",
             header + "# my note\nnet.ipv4.tcp_keepalive_time = 100\n")},
       {},
       0,
       0,
       ""},
      {"debian_sysctl_conf_wins",
       {file("etc/sysctl.conf", "# local\nnet.ipv4.tcp_keepalive_time = 100\n"),
        link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf")},
       {},
       4,
       4,
       "--file /etc/sysctl"},
      {"debian_sysctl_conf_with_file",
       {file("etc/sysctl.conf", "# local\nnet.ipv4.tcp_keepalive_time = 100\n"),
        link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf")},
       {"--file", "/etc/sysctl.conf"},
       0,
       0,
       ""},
      {"write_through_symlink",
       {file("etc/sysctl.conf", "net.ipv4.tcp_keepalive_probes = 2"),
        link("etc/sysctl.d/99-sysctl.conf", "../sysctl.conf")},
       {"--file", "/etc/sysctl.d/99-sysctl.conf"},
       0,
       0,
       ""},
      {"sysctl_conf_without_debian_link",
       {file("etc/sysctl.conf", "net.ipv4.tcp_keepalive_time = 100\n")},
       {},
       0,
       4,
       "/etc/sysctl.conf:1"},
      {"vendor_file_wins",
       {file("usr/lib/sysctl.d/99-zzz.conf", "net.ipv4.tcp_keepalive_intvl = 10\n")},
       {},
       4,
       4,
       "--file /usr/lib/sysctl.d/99-zzz.conf"},
      {"vendor_file_edited",
       {file("usr/lib/sysctl.d/99-zzz.conf", "net.ipv4.tcp_keepalive_intvl = 10\n")},
       {"--file", "/usr/lib/sysctl.d/99-zzz.conf"},
       0,
       0,
       ""},
      {"shadowed_file_is_not_read",
       {file("usr/lib/sysctl.d/50-ka.conf", "net.ipv4.tcp_keepalive_time = 100\n"),
        file("etc/sysctl.d/50-ka.conf", "")},
       {"--file", "/usr/lib/sysctl.d/50-ka.conf"},
       4,
       4,
       "is not applied at boot"},
      {"crlf_dash_and_slash_spellings",
       {file("etc/sysctl.d/60-ka.conf", "# c\r\n-net/ipv4/tcp_keepalive_time = 100\r\n"
                                        "net.ipv4.tcp_keepalive_probes=2\r\n")},
       {"--file", "/etc/sysctl.d/60-ka.conf"},
       0,
       0,
       ""},
      {"masked_own_file", {link("etc/sysctl.d/99-kaltune.conf", "/dev/null")}, {}, 4, 4, "masked"},
      {"run_file_of_same_name_is_shadowed",
       {file("run/sysctl.d/99-kaltune.conf", "net.ipv4.tcp_keepalive_time = 100\n")},
       {},
       0,
       0,
       ""},
      {"glob_after_explicit_line",
       {file("etc/sysctl.d/60-ka.conf",
             "net.ipv4.tcp_keepalive_time = 100\nnet.ipv4.tcp_keepalive_* = 7\n")},
       {"--file", "/etc/sysctl.d/60-ka.conf"},
       0,
       0,
       ""},
      {"byte_order_mark_line_sets_nothing",
       {file("etc/sysctl.d/60-ka.conf", "\xEF\xBB\xBFnet.ipv4.tcp_keepalive_time = 100\n")},
       {"--file", "/etc/sysctl.d/60-ka.conf"},
       0,
       0,
       ""},
      {"exclusion_after_assignment",
       {file("etc/sysctl.d/60-ka.conf", "net.ipv4.tcp_keepalive_time = 100\n"
                                        "-net.ipv4.tcp_keepalive_time\n")},
       {"--file", "/etc/sysctl.d/60-ka.conf"},
       4,
       0,
       "remove that line by hand"},
  };
  return cases;
}

std::vector<PersistParam> persist_params() {
  std::vector<PersistParam> out;
  for (const PersistCase& c : persist_cases()) {
    out.push_back({&c, "systemd"});
    out.push_back({&c, "procps"});
  }
  return out;
}

class PersistReplay : public ::testing::TestWithParam<PersistParam> {};

// Exit 0 means the real applier now yields exactly what was asked; exit 4 means every file is
// byte-identical (mode, owner and symlinks too).
TEST_P(PersistReplay, RealApplierYieldsTheValuesOrNothingChanged) {
  const PersistParam& p = GetParam();
  if (const std::string why = replay_unavailable(p.model); !why.empty()) {
    GTEST_SKIP() << why;
  }
  // kaltune's lock is the host's /run/kaltune.lock even with --root: keep it in a private /run.
  Mounts run;
  run.tmpfs("/run");
  TempRoot root;
  layouts::write_layout(layout_of(p.c->entries), root.path());
  const auto before = snapshot(root.path(), true);
  std::vector<std::string> args{"--root", root.path().string(), "--boot-model", p.model};
  args.insert(args.end(), set_asked.begin(), set_asked.end());
  args.insert(args.end(), p.c->extra.begin(), p.c->extra.end());
  const RunResult result = run_kaltune(args);
  const int expected = p.model == "systemd" ? p.c->systemd_status : p.c->procps_status;
  ASSERT_EQ(result.status, expected) << result.out << result.err;
  if (result.status == 0) {
    const Replay replay = replay_layout(root.path(), p.model);
    EXPECT_EQ(replay.values, asked) << result.out << replay.applied.out << replay.applied.err;
    // A second identical run changes nothing, not even a modification time.
    const auto after = snapshot(root.path(), true);
    const RunResult again = run_kaltune(args);
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.out.find(": nothing to change"), std::string::npos) << again.out;
    EXPECT_EQ(snapshot(root.path(), true), after);
  } else {
    // The boot view is predicted before writing: not even a temp file was created.
    EXPECT_NE(result.err.find(p.c->message), std::string::npos) << result.err;
    EXPECT_EQ(snapshot(root.path(), true), before);
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, PersistReplay, ::testing::ValuesIn(persist_params()),
                         [](const ::testing::TestParamInfo<PersistParam>& info) {
                           return info.param.model + "_" + info.param.c->name;
                         });

// The same property over random layouts (tests/common/random_layout.hpp): kaltune's own file, and
// --file /etc/sysctl.conf when the layout has one.
class PersistRandomized : public ::testing::TestWithParam<std::string> {};

TEST_P(PersistRandomized, ExitZeroMeansBootAppliesItElseNothingChanged) {
  const std::string& model = GetParam();
  if (const std::string why = replay_unavailable(model); !why.empty()) {
    GTEST_SKIP() << why;
  }
  Mounts run; // the lock, /run/kaltune.lock, in a private /run
  run.tmpfs("/run");
  const char* wanted = std::getenv("KALTUNE_RANDOM_LAYOUTS");
  const unsigned seeds =
      wanted != nullptr ? static_cast<unsigned>(std::strtoul(wanted, nullptr, 10)) : 100;
  unsigned persisted = 0;
  unsigned refused = 0;
  for (unsigned seed = 1; seed <= seeds; ++seed) {
    const layouts::Layout layout = layouts::random_layout(seed);
    std::vector<std::vector<std::string>> variants{{}};
    for (const Entry& entry : layout.entries) {
      if (entry.path == "etc/sysctl.conf" && entry.kind == Entry::Kind::file) {
        variants.push_back({"--file", "/etc/sysctl.conf"});
      }
    }
    for (const auto& extra : variants) {
      TempRoot root;
      layouts::write_layout(layout, root.path());
      const auto before = snapshot(root.path(), true);
      std::vector<std::string> args{"--root", root.path().string(), "--boot-model", model};
      args.insert(args.end(), set_asked.begin(), set_asked.end());
      args.insert(args.end(), extra.begin(), extra.end());
      const RunResult result = run_kaltune(args);
      const std::string where = "seed " + std::to_string(seed) + (extra.empty() ? "" : " --file");
      if (result.status == 0) {
        ++persisted;
        const Replay replay = replay_layout(root.path(), model);
        EXPECT_EQ(replay.values, asked) << where << ": exit 0 but boot applies something else\n"
                                        << result.out << replay.applied.out << replay.applied.err;
      } else if (result.status == 4) {
        ++refused;
        EXPECT_EQ(snapshot(root.path(), true), before) << where << ": exit 4 changed files";
      } else {
        ADD_FAILURE() << where << ": exit " << result.status << "\n" << result.err;
      }
    }
  }
  RecordProperty("persisted", static_cast<int>(persisted));
  RecordProperty("refused", static_cast<int>(refused));
  std::cout << model << ": " << persisted << " persisted and replayed, " << refused
            << " refused with nothing changed\n";
}

INSTANTIATE_TEST_SUITE_P(Models, PersistRandomized, ::testing::Values("systemd", "procps"),
                         [](const auto& info) { return info.param; });

class Persist : public ::testing::Test {
protected:
  TempRoot root;
  Mounts mounts;
  void SetUp() override {
    KALTUNE_REQUIRE_NETNS();
    if (!isolation().private_mountns) {
      GTEST_SKIP() << "no private mount namespace: " << isolation().reason;
    }
    // kaltune's lock is the host's /run/kaltune.lock even with --root: give each test its own.
    mounts.tmpfs("/run");
    layouts::write_layout(layouts::Layout{}, root.path());
  }
  RunResult kaltune(std::vector<std::string> args, const RunOptions& options = {}) {
    args.insert(args.begin(), {"--root", root.path().string(), "--boot-model", "systemd"});
    return run_kaltune(args, options);
  }
  std::string own() const { return read_file(root.path() / "etc/sysctl.d/99-kaltune.conf"); }
};

TEST_F(Persist, ExactOutputAndFile) {
  const RunResult result = kaltune(set_asked);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "created /etc/sysctl.d/99-kaltune.conf\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_time = 600 from "
                        "/etc/sysctl.d/99-kaltune.conf:4\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_intvl = 30 from "
                        "/etc/sysctl.d/99-kaltune.conf:5\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_probes = 4 from "
                        "/etc/sysctl.d/99-kaltune.conf:6\n");
  EXPECT_EQ(own(), header + "net.ipv4.tcp_keepalive_time = 600\n"
                            "net.ipv4.tcp_keepalive_intvl = 30\n"
                            "net.ipv4.tcp_keepalive_probes = 4\n");
  struct stat st {};
  ASSERT_EQ(::stat((root.path() / "etc/sysctl.d/99-kaltune.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // --root implies --no-runtime: the kernel is left alone.
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

TEST_F(Persist, WritesThroughTheSymlinkKeepingModeAndOwner) {
  KALTUNE_REQUIRE_ROOT();
  const auto target = root.write("etc/sysctl.conf", "# local\nnet.ipv4.tcp_keepalive_time = 1");
  fs::create_symlink("../sysctl.conf", root.path() / "etc/sysctl.d/99-sysctl.conf");
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  ASSERT_EQ(::chown(target.c_str(), 1234, 4321), 0);
  const RunResult result = kaltune({"set", "--time", "600", "--probes", "4", "--persist", "--file",
                                    "/etc/sysctl.d/99-sysctl.conf"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out.substr(0, result.out.find('\n')),
            "updated /etc/sysctl.d/99-sysctl.conf (-> /etc/sysctl.conf)");
  EXPECT_TRUE(fs::is_symlink(root.path() / "etc/sysctl.d/99-sysctl.conf"));
  EXPECT_EQ(fs::read_symlink(root.path() / "etc/sysctl.d/99-sysctl.conf"), "../sysctl.conf");
  EXPECT_EQ(read_file(target),
            "# local\nnet.ipv4.tcp_keepalive_time = 600\nnet.ipv4.tcp_keepalive_probes = 4");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 4321u);
}

TEST_F(Persist, DryRunPrintsTheDiffAndWritesNothing) {
  root.write("etc/sysctl.conf", "# local\r\nnet.ipv4.tcp_keepalive_time = 100\r\n");
  fs::create_symlink("../sysctl.conf", root.path() / "etc/sysctl.d/99-sysctl.conf");
  const auto before = snapshot(root.path(), true);
  const RunResult result = kaltune({"set", "--time", "600", "--probes", "4", "--persist", "--file",
                                    "/etc/sysctl.conf", "--dry-run"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "--- /etc/sysctl.conf\n"
                        "+++ /etc/sysctl.conf\n"
                        "@@ -1,2 +1,3 @@\n"
                        " # local\r\n"
                        "-net.ipv4.tcp_keepalive_time = 100\r\n"
                        "+net.ipv4.tcp_keepalive_time = 600\r\n"
                        "+net.ipv4.tcp_keepalive_probes = 4\r\n"
                        "boot (systemd model) would apply net.ipv4.tcp_keepalive_time = 600 from "
                        "/etc/sysctl.d/99-sysctl.conf:2\n"
                        "boot (systemd model) would apply net.ipv4.tcp_keepalive_probes = 4 from "
                        "/etc/sysctl.d/99-sysctl.conf:3\n"
                        "dry run: nothing was written\n");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(snapshot(root.path(), true), before);
}

TEST_F(Persist, DryRunSaysWhenTheRealRunWouldFail) {
  root.write("usr/lib/sysctl.d/99-zzz.conf", "net.ipv4.tcp_keepalive_time = 100\n");
  const auto before = snapshot(root.path(), true);
  const RunResult result = kaltune({"set", "--time", "600", "--persist", "--dry-run"});
  EXPECT_EQ(result.status, 4);
  EXPECT_NE(result.out.find("+net.ipv4.tcp_keepalive_time = 600\n"), std::string::npos);
  EXPECT_EQ(result.err, "kaltune: boot would apply net.ipv4.tcp_keepalive_time = 100 from "
                        "/usr/lib/sysctl.d/99-zzz.conf:1, which is applied after "
                        "/etc/sysctl.d/99-kaltune.conf (systemd model); change it there with "
                        "--file /usr/lib/sysctl.d/99-zzz.conf; the real run would fail (dry run: "
                        "nothing was written)\n");
  EXPECT_EQ(snapshot(root.path(), true), before);
}

TEST_F(Persist, SigtermDuringTheWriteWaitsForTheChangeToFinish) {
  // strace holds kaltune for 2 s at its first fsync, the temp file's, in the middle of the
  // write; the test sends SIGTERM as soon as strace reports (with -f, "PID fsync(") that kaltune
  // got there.
  Process traced({"strace", "-f", "-o", "/dev/stderr", "-e", "trace=fsync", "-e",
                  "inject=fsync:delay_enter=2000000:when=1", kaltune_binary(), "-q", "--root",
                  root.path().string(), "--boot-model", "systemd", "set", "--time", "600",
                  "--persist"});
  ASSERT_TRUE(traced.wait_for_err(" fsync(", std::chrono::seconds(60)))
      << "kaltune never reached fsync:\n"
      << traced.so_far().err;
  const std::string& trace = traced.so_far().err;
  const auto line = trace.rfind('\n', trace.find(" fsync(")) + 1;
  const pid_t writer = static_cast<pid_t>(std::stol(trace.substr(line)));
  // In the middle of the write: the temp file is there, the target not yet.
  EXPECT_FALSE(fs::exists(root.path() / "etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(names_in(root.path() / "etc/sysctl.d").size(), 1u);
  ASSERT_EQ(::kill(writer, SIGTERM), 0);
  const RunResult result = traced.finish();
  // The change finished first, then SIGTERM took its usual effect (strace dies the same way).
  EXPECT_EQ(result.status, 128 + SIGTERM) << result.err;
  EXPECT_NE(result.err.find("killed by SIGTERM"), std::string::npos) << result.err;
  EXPECT_EQ(own(), header + "net.ipv4.tcp_keepalive_time = 600\n");
  EXPECT_EQ(names_in(root.path() / "etc/sysctl.d"), std::vector<std::string>{"99-kaltune.conf"});
}

TEST_F(Persist, JsonReport) {
  const RunResult result = kaltune({"--json", "set", "--time", "600", "--persist"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["file"]["path"], "/etc/sysctl.d/99-kaltune.conf");
  EXPECT_EQ(json["file"]["action"], "created");
  EXPECT_EQ(json["boot"]["model"], "systemd");
  EXPECT_EQ(json["boot"]["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 600);
  EXPECT_EQ(json["boot"]["settings"]["net.ipv4.tcp_keepalive_time"]["origin"],
            "/etc/sysctl.d/99-kaltune.conf:4");
  EXPECT_FALSE(json["file"].contains("diff"));
  const auto dry = nlohmann::json::parse(
      kaltune({"--json", "set", "--time", "700", "--persist", "--dry-run"}).out);
  EXPECT_EQ(dry["dry_run"], true);
  EXPECT_EQ(dry["file"]["written"], false);
  EXPECT_EQ(dry["file"]["diff"], "--- /etc/sysctl.d/99-kaltune.conf\n"
                                 "+++ /etc/sysctl.d/99-kaltune.conf\n"
                                 "@@ -1,4 +1,4 @@\n" +
                                     header.substr(0, header.find('\n') + 1).insert(0, " ") +
                                     " # Change them with `kaltune set --persist`, remove them "
                                     "with `kaltune reset --persist`.\n"
                                     " # kaltune rewrites only the net.ipv4.tcp_keepalive_* lines "
                                     "and keeps any other line.\n"
                                     "-net.ipv4.tcp_keepalive_time = 600\n"
                                     "+net.ipv4.tcp_keepalive_time = 700\n");
  EXPECT_EQ(dry["boot"]["settings"]["net.ipv4.tcp_keepalive_time"]["value"], 700);
}

TEST_F(Persist, RootWithoutPersistNeverTouchesTheRunningKernel) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"set", "--time", "600"}, {"set", "--probes", "3", "--dry-run"}, {"reset"}}) {
    write_sysctl("net.ipv4.tcp_keepalive_time", 100);
    const RunResult result = kaltune(args);
    EXPECT_EQ(result.status, 2) << args[0] << ": " << result.err;
    EXPECT_NE(result.err.find("edits configuration only; add --persist"), std::string::npos)
        << result.err;
    EXPECT_EQ(read_keepalive(), (std::vector<long>{100, 75, 9}));
  }
  write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
}

TEST_F(Persist, UsageErrors) {
  EXPECT_EQ(kaltune({"set", "--time", "600", "--file", "/etc/sysctl.conf"}).status, 2);
  EXPECT_EQ(kaltune({"set", "--time", "600", "--no-runtime"}).status, 2);
  EXPECT_EQ(kaltune({"set", "--time", "0", "--persist"}).status, 2);
  const RunResult missing = kaltune({"set", "--time", "600", "--persist", "--file", "/etc/x.conf"});
  EXPECT_EQ(missing.status, 4);
  EXPECT_EQ(missing.err, "kaltune: /etc/x.conf does not exist; --file edits an existing file "
                         "(without --file kaltune writes its own /etc/sysctl.d/99-kaltune.conf)\n");
}

// strace makes one system call of the real write path fail: the original stays byte-identical
// and no temporary file is left beside it.
struct Injected {
  std::string name;
  std::vector<std::string> strace; // -e arguments
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
  std::vector<std::string> argv{"strace", "-f", "-o", "/dev/null"};
  argv.insert(argv.end(), GetParam().strace.begin(), GetParam().strace.end());
  // -q: no "waiting for the lock" line on stderr, which would take the injected write.
  argv.insert(argv.end(),
              {kaltune_binary(), "-q", "--root", root.path().string(), "--boot-model", "systemd",
               "set", "--time", "600", "--persist", "--file", "/etc/sysctl.conf"});
  const RunResult result = run(argv);
  EXPECT_EQ(result.status, 4) << result.out << result.err;
  EXPECT_NE(result.err.find(GetParam().message), std::string::npos) << result.err;
  EXPECT_EQ(snapshot(root.path()), before);
}

INSTANTIATE_TEST_SUITE_P(
    Strace, InjectedWriteFailure,
    ::testing::Values(Injected{"write",
                               {"-e", "trace=write", "-e", "inject=write:error=EIO:when=1"},
                               "write of the temporary file: Input/output error"},
                      Injected{"fsync",
                               {"-e", "trace=fsync", "-e", "inject=fsync:error=EIO:when=1"},
                               "fsync of the temporary file: Input/output error"},
                      Injected{"fchmod",
                               {"-e", "trace=fchmod", "-e", "inject=fchmod:error=EIO:when=1"},
                               "chmod to 0640: Input/output error"},
                      Injected{"rename",
                               {"-e", "trace=rename,renameat,renameat2", "-e",
                                "inject=rename,renameat,renameat2:error=EIO:when=1"},
                               "rename of"},
                      Injected{"directory_fsync",
                               {"-e", "trace=fsync", "-e", "inject=fsync:error=EIO:when=2"},
                               "fsync of directory /"},
                      Injected{"no_space",
                               {"-e", "trace=write", "-e", "inject=write:error=ENOSPC:when=1"},
                               "No space left on device"}),
    [](const ::testing::TestParamInfo<Injected>& info) { return info.param.name; });

// Without --root, in the private mount namespace: tmpfs over /etc/sysctl.d and the other
// directories, /etc/sysctl.conf bind-mounted from a temporary file. Never the real /etc.
class PersistLive : public ::testing::Test {
protected:
  TempRoot layout;
  std::unique_ptr<Mounts> mounts;
  void SetUp() override {
    if (const std::string why = replay_unavailable("systemd"); !why.empty()) {
      GTEST_SKIP() << why;
    }
    layouts::write_layout(layouts::Layout{}, layout.path());
    mounts = std::make_unique<Mounts>();
    install_layout(*mounts, layout.path());
    write_sysctl("net.ipv4.tcp_keepalive_time", 7200);
    write_sysctl("net.ipv4.tcp_keepalive_intvl", 75);
    write_sysctl("net.ipv4.tcp_keepalive_probes", 9);
  }
};

TEST_F(PersistLive, RuntimeAndFileTogether) {
  const RunResult result = run_kaltune(set_asked);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_keepalive(), asked);
  EXPECT_EQ(read_file("/etc/sysctl.d/99-kaltune.conf"),
            header + "net.ipv4.tcp_keepalive_time = 600\nnet.ipv4.tcp_keepalive_intvl = 30\n"
                     "net.ipv4.tcp_keepalive_probes = 4\n");
  EXPECT_NE(result.out.find("set net.ipv4.tcp_keepalive_time: 7200 \u2192 600\n"),
            std::string::npos)
      << result.out;
  // Boot agrees: the real applier, from the kernel defaults, lands on the same values.
  EXPECT_EQ(run_applier("systemd").values, asked);
  EXPECT_EQ(run_applier("procps").values, asked);
  const RunResult again = run_kaltune(set_asked);
  EXPECT_EQ(again.status, 0);
  EXPECT_EQ(again.out, "running: nothing to change; already time 600 intvl 30 probes 4\n"
                       "/etc/sysctl.d/99-kaltune.conf: nothing to change\n"
                       "boot (systemd model) applies net.ipv4.tcp_keepalive_time = 600 from "
                       "/etc/sysctl.d/99-kaltune.conf:4\n"
                       "boot (systemd model) applies net.ipv4.tcp_keepalive_intvl = 30 from "
                       "/etc/sysctl.d/99-kaltune.conf:5\n"
                       "boot (systemd model) applies net.ipv4.tcp_keepalive_probes = 4 from "
                       "/etc/sysctl.d/99-kaltune.conf:6\n");
}

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

TEST_F(PersistLive, OverriddenAtBootChangesNeitherFileNorKernel) {
  std::ofstream("/usr/lib/sysctl.d/99-zzz.conf") << "net.ipv4.tcp_keepalive_time = 100\n";
  const RunResult result = run_kaltune(set_asked);
  EXPECT_EQ(result.status, 4);
  EXPECT_EQ(result.err,
            "kaltune: boot would apply net.ipv4.tcp_keepalive_time = 100 from "
            "/usr/lib/sysctl.d/99-zzz.conf:1, which is applied after "
            "/etc/sysctl.d/99-kaltune.conf (systemd model); change it there with --file "
            "/usr/lib/sysctl.d/99-zzz.conf; nothing was changed\n");
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

TEST_F(PersistLive, ConcurrentRunsSerializeOnTheLock) {
  // Another "run" holds the lock (the test's tmpfs /run, private to it).
  const int fd = ::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  std::vector<std::string> argv{kaltune_binary()};
  argv.insert(argv.end(), set_asked.begin(), set_asked.end());
  Process second(argv);
  // Let go once kaltune says it waits, and only then.
  const std::string waiting = "warning: waiting up to 30 s for another kaltune run (pid " +
                              std::to_string(::getpid()) + ") to release /run/kaltune.lock\n";
  const bool said = second.wait_for_err(waiting, std::chrono::seconds(60));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9})) << "changed before the lock";
  ::close(fd);
  const RunResult result = second.finish();
  EXPECT_TRUE(said) << "kaltune never said it waits for the lock: " << result.err;
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.err, waiting);
  EXPECT_EQ(read_keepalive(), asked);
}

TEST_F(PersistLive, PermissionDeniedIsExitThreeAndChangesNothing) {
  // The lock exists, as after any root run: what stops this user is the file itself.
  ::close(::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const RunResult result = run_kaltune(set_asked, nobody);
  EXPECT_EQ(result.status, 3) << result.err;
  EXPECT_NE(result.err.find("cannot write /etc/sysctl.d/99-kaltune.conf: creation of temporary "
                            "file"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("Permission denied"), std::string::npos);
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

TEST_F(PersistLive, UserCannotCreateTheLockInRun) {
  RunOptions nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const RunResult result = run_kaltune(set_asked, nobody);
  EXPECT_EQ(result.status, 3) << result.err;
  EXPECT_EQ(result.err, "kaltune: cannot open lock file /run/kaltune.lock: Permission denied\n");
  EXPECT_FALSE(fs::exists("/run/kaltune.lock"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

// A lock file another user planted (possible in the old world-writable /run/lock) or a link is
// refused with exit 4 before anything changes, never followed or waited on.
TEST_F(PersistLive, PlantedLockFileIsRefused) {
  const int fd = ::open("/run/kaltune.lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fchown(fd, 65534, 65534), 0);
  ::close(fd);
  RunResult result = run_kaltune(set_asked);
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_EQ(result.err, "kaltune: refusing lock file /run/kaltune.lock: owned by uid 65534, not "
                        "root (remove it; kaltune creates it as root)\n");
  fs::remove("/run/kaltune.lock");
  fs::create_symlink("/run/elsewhere", "/run/kaltune.lock");
  result = run_kaltune(set_asked);
  EXPECT_EQ(result.status, 4) << result.err;
  EXPECT_NE(result.err.find("cannot open lock file /run/kaltune.lock"), std::string::npos)
      << result.err;
  EXPECT_FALSE(fs::exists("/run/elsewhere"));
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
}

TEST_F(PersistLive, ResetPersistRemovesOwnFileAndDefaultsNow) {
  ASSERT_EQ(run_kaltune(set_asked).status, 0);
  const RunResult result = run_kaltune({"reset", "--persist"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_FALSE(fs::exists("/etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
  EXPECT_NE(result.out.find("removed /etc/sysctl.d/99-kaltune.conf\n"), std::string::npos)
      << result.out;
  EXPECT_EQ(run_applier("systemd").values, (std::vector<long>{7200, 75, 9}));
}

TEST_F(Persist, ResetPersistNamesFilesThatStillSetTheKeys) {
  root.write("etc/sysctl.d/99-kaltune.conf", header + "net.ipv4.tcp_keepalive_time = 600\n");
  root.write("usr/lib/sysctl.d/50-vendor.conf", "net.ipv4.tcp_keepalive_probes = 5\n");
  const RunResult result = kaltune({"reset", "--persist"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_FALSE(fs::exists(root.path() / "etc/sysctl.d/99-kaltune.conf"));
  EXPECT_EQ(result.err, "warning: boot will still apply net.ipv4.tcp_keepalive_probes = 5 from "
                        "/usr/lib/sysctl.d/50-vendor.conf:1 (not the kernel default 9)\n");
  EXPECT_EQ(result.out, "removed /etc/sysctl.d/99-kaltune.conf\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_time = 7200 from "
                        "kernel default\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_intvl = 75 from "
                        "kernel default\n"
                        "boot (systemd model) applies net.ipv4.tcp_keepalive_probes = 5 from "
                        "/usr/lib/sysctl.d/50-vendor.conf:1, not the kernel default 9\n");
}

TEST_F(Persist, ResetPersistWithFileRemovesOnlyKeepaliveLines) {
  root.write("etc/sysctl.conf", "# local\r\nnet.ipv4.tcp_keepalive_time = 600\r\n# end");
  const RunResult result = kaltune({"reset", "--persist", "--file", "/etc/sysctl.conf"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_file(root.path() / "etc/sysctl.conf"), "# local\r\n# end");
}

TEST_F(Persist, ResetPersistDryRun) {
  root.write("etc/sysctl.d/99-kaltune.conf", header + "net.ipv4.tcp_keepalive_time = 600\n");
  const RunResult result = kaltune({"reset", "--persist", "--dry-run"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "--- /etc/sysctl.d/99-kaltune.conf\n+++ /dev/null\n@@ -1,4 +0,0 @@\n-" +
                            header.substr(0, header.find('\n') + 1) +
                            "-# Change them with `kaltune set --persist`, remove them with "
                            "`kaltune reset --persist`.\n"
                            "-# kaltune rewrites only the net.ipv4.tcp_keepalive_* lines and "
                            "keeps any other line.\n"
                            "-net.ipv4.tcp_keepalive_time = 600\n"
                            "boot (systemd model) would apply net.ipv4.tcp_keepalive_time = 7200 "
                            "from kernel default\n"
                            "boot (systemd model) would apply net.ipv4.tcp_keepalive_intvl = 75 "
                            "from kernel default\n"
                            "boot (systemd model) would apply net.ipv4.tcp_keepalive_probes = 9 "
                            "from kernel default\n"
                            "dry run: nothing was written\n");
  EXPECT_TRUE(fs::exists(root.path() / "etc/sysctl.d/99-kaltune.conf"));
}

TEST(Reset, WritesTheDefaultsNow) {
  KALTUNE_REQUIRE_NETNS();
  write_sysctl("net.ipv4.tcp_keepalive_time", 5);
  write_sysctl("net.ipv4.tcp_keepalive_probes", 2);
  const RunResult result = run_kaltune({"reset"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_keepalive(), (std::vector<long>{7200, 75, 9}));
  EXPECT_EQ(result.out, "set net.ipv4.tcp_keepalive_time: 5 \u2192 7200\n"
                        "set net.ipv4.tcp_keepalive_probes: 2 \u2192 9\n"
                        "dead peer detected after: 155 s (2m35s) \u2192 7875 s (2h11m15s)\n");
}

} // namespace
} // namespace kaltune::itest
