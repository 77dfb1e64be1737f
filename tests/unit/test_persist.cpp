#include "core/persist.hpp"

#include "../common/temp_root.hpp"
#include "failing_posix.hpp"
#include "fake_procsys.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

namespace kaltune {
namespace {

using test::FailingPosix;
using test::FakeProcSys;
using test::TempRoot;

const std::string own_header(own_file_header());

// The words of a refusal, for tests: where the first problem's assignment is.
std::string describe(const std::vector<BootProblem>& problems) {
  return fmt::format("{} problem(s): {}", problems.size(), problems.front().assignment.origin());
}

// A boot view where each key is won by `file:line` with `value`, or is the kernel default.
struct FakeBoot {
  BootView view;
  FakeBoot() { view.settings = sourced("boot", kernel_defaults, "kernel default"); }
  FakeBoot& win(Key key, std::int64_t value, const std::string& file, std::size_t line) {
    view.settings[key] = {value, fmt::format("{}:{}", file, line)};
    BootAssignment a;
    a.key = key;
    a.file = file;
    a.line = line;
    a.text = std::to_string(value);
    a.value = value;
    a.winner = true;
    view.assignments.push_back(a);
    return *this;
  }
};

KeyValues time_600() {
  return {600, std::nullopt, std::nullopt};
}

TEST(PlanSet, CreatesOwnFileWithHeader) {
  TempRoot root;
  std::filesystem::create_directories(root.path() / "etc/sysctl.d");
  Posix posix;
  const FilePlan plan = plan_set(posix, root.path(), std::nullopt, time_600());
  EXPECT_EQ(plan.path, "/etc/sysctl.d/99-kaltune.conf");
  EXPECT_EQ(plan.host, root.path() / "etc/sysctl.d/99-kaltune.conf");
  EXPECT_FALSE(plan.before.exists);
  EXPECT_EQ(*plan.after, own_header + "net.ipv4.tcp_keepalive_time = 600\n");
  EXPECT_TRUE(plan.changes());
}

TEST(PlanSet, FileThroughSymlinkIsEditedAtItsTarget) {
  TempRoot root;
  root.write("etc/sysctl.conf", "# mine\nnet.ipv4.tcp_keepalive_time = 7200\n");
  std::filesystem::create_directories(root.path() / "etc/sysctl.d");
  std::filesystem::create_symlink("../sysctl.conf", root.path() / "etc/sysctl.d/99-sysctl.conf");
  Posix posix;
  const FilePlan plan =
      plan_set(posix, root.path(), std::string("/etc/sysctl.d/99-sysctl.conf"), time_600());
  EXPECT_EQ(plan.path, "/etc/sysctl.d/99-sysctl.conf");
  EXPECT_EQ(plan.target, "/etc/sysctl.conf");
  EXPECT_EQ(*plan.after, "# mine\nnet.ipv4.tcp_keepalive_time = 600\n");
}

TEST(PlanSet, MissingFileAndMaskAreErrorsRelativePathIsInsideRoot) {
  TempRoot root;
  std::filesystem::create_directories(root.path() / "etc/sysctl.d");
  std::filesystem::create_symlink("/dev/null", root.path() / "etc/sysctl.d/99-kaltune.conf");
  Posix posix;
  try {
    plan_set(posix, root.path(), std::string("/etc/nothing.conf"), time_600());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_NE(std::string(e.what()).find("/etc/nothing.conf does not exist"), std::string::npos);
  }
  try {
    plan_set(posix, root.path(), std::nullopt, time_600());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is masked (a symlink to /dev/null)"), std::string::npos);
  }
  // Under --root a relative --file is inside the root, as every path given there (system_path_of).
  try {
    plan_set(posix, root.path(), std::string("etc/nothing.conf"), time_600());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_NE(std::string(e.what()).find("/etc/nothing.conf does not exist"), std::string::npos);
  }
  root.write("etc/sysctl.conf", "");
  const FilePlan plan = plan_set(posix, root.path(), std::string("etc/sysctl.conf"), time_600());
  EXPECT_EQ(plan.path, "/etc/sysctl.conf");
  EXPECT_EQ(plan.host, root.path() / "etc/sysctl.conf");
}

// `--file /dev/null` is no symlink: it is called what it is, the null device (on the host and
// under --root alike).
TEST(PlanSet, TheNullDeviceIsCalledWhatItIs) {
  TempRoot root;
  Posix posix;
  for (const std::filesystem::path& where : {std::filesystem::path("/"), root.path()}) {
    try {
      plan_set(posix, where, std::string("/dev/null"), time_600());
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), ExitStatus::system);
      EXPECT_EQ(std::string(e.what()), "/dev/null is the null device, not a file: boot reads "
                                       "nothing from it; give a sysctl file with --file");
    }
  }
}

TEST(PlanRemove, OwnFileGoesWhenOnlyCommentsRemain) {
  TempRoot root;
  root.write("etc/sysctl.d/99-kaltune.conf", own_header + "net.ipv4.tcp_keepalive_time = 600\n");
  Posix posix;
  const FilePlan plan = plan_remove(posix, root.path(), std::nullopt);
  EXPECT_FALSE(plan.after.has_value());
  EXPECT_TRUE(plan.changes());
}

TEST(PlanRemove, OwnFileWithOtherKeysIsKept) {
  TempRoot root;
  root.write("etc/sysctl.d/99-kaltune.conf",
             own_header + "vm.x = 1\nnet.ipv4.tcp_keepalive_time = 600\n");
  Posix posix;
  const FilePlan plan = plan_remove(posix, root.path(), std::nullopt);
  EXPECT_EQ(*plan.after, own_header + "vm.x = 1\n");
}

TEST(PlanRemove, NothingPersistedNothingToDo) {
  TempRoot root;
  Posix posix;
  EXPECT_FALSE(plan_remove(posix, root.path(), std::nullopt).changes());
}

TEST(BootProblem, ALaterFileWins) {
  FilePlan plan;
  plan.path = plan.target = "/etc/sysctl.d/99-kaltune.conf";
  FakeBoot boot;
  boot.win(Key::time, 7200, "/usr/lib/sysctl.d/99-vendor.conf", 3);
  const auto problems = boot_problems(boot.view, time_600(), plan);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].kind, BootProblemKind::later_file);
  EXPECT_EQ(problems[0].key, Key::time);
  EXPECT_EQ(problems[0].value, 7200);
  EXPECT_EQ(problems[0].assignment.file, "/usr/lib/sysctl.d/99-vendor.conf");
  EXPECT_EQ(problems[0].assignment.line, 3U);
  EXPECT_EQ(problems[0].plan_path, plan.path);
}

TEST(BootProblem, NoneWhenBootAppliesTheValue) {
  FilePlan plan;
  plan.path = plan.target = "/etc/sysctl.d/99-kaltune.conf";
  FakeBoot boot;
  boot.win(Key::time, 600, plan.path, 4);
  EXPECT_TRUE(boot_problems(boot.view, time_600(), plan).empty());
}

TEST(BootProblem, FileNotReadAtBoot) {
  FilePlan plan;
  plan.path = plan.target = "/etc/keepalive.txt";
  FakeBoot boot;
  const auto problems = boot_problems(boot.view, time_600(), plan);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].kind, BootProblemKind::not_read);
  EXPECT_EQ(problems[0].value, 7200);
}

TEST(BootProblem, GlobInTheSameFile) {
  FilePlan plan;
  plan.path = plan.target = "/etc/sysctl.conf";
  FakeBoot boot;
  boot.win(Key::time, 5, "/etc/sysctl.conf", 9);
  const auto problems = boot_problems(boot.view, time_600(), plan);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].kind, BootProblemKind::own_line);
}

// Every source that is no sysctl.d file is escaped by its row's way out, whatever its stage.
TEST(BootProblem, ASourceThatIsNoFileWins) {
  FilePlan plan;
  plan.path = plan.target = "/etc/sysctl.d/99-kaltune.conf";
  for (const BootSource& source : boot_sources) {
    FakeBoot boot;
    boot.win(Key::time, 5, "/somewhere", 1);
    boot.view.assignments.back().stage = source.stage;
    const auto problems = boot_problems(boot.view, time_600(), plan);
    ASSERT_EQ(problems.size(), 1U) << source.key;
    EXPECT_EQ(problems[0].kind, source.way_out == WayOut::edit_file ? BootProblemKind::later_file
                                                                    : BootProblemKind::other_source)
        << source.key;
    EXPECT_EQ(problems[0].assignment.stage, source.stage);
  }
}

TEST(BootProblem, AnExclusionCancels) {
  FilePlan plan;
  plan.path = plan.target = "/etc/sysctl.d/99-kaltune.conf";
  FakeBoot boot;
  BootAssignment exclusion;
  exclusion.key = Key::time;
  exclusion.file = "/etc/sysctl.d/zz.conf";
  exclusion.line = 2;
  exclusion.exclusion = true;
  boot.view.assignments.push_back(exclusion);
  const auto problems = boot_problems(boot.view, time_600(), plan);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].kind, BootProblemKind::excluded);
  EXPECT_EQ(problems[0].assignment.origin(), "/etc/sysctl.d/zz.conf:2");
}

ConfNode node(std::string path, std::string target, std::string content) {
  return {std::move(path), std::move(target), NodeKind::regular, std::move(content)};
}

TEST(ApplyPlan, NewBytesWhereverTheTargetIsReadAndNewFilesListed) {
  ConfTree tree;
  tree.dirs = {{"/etc/sysctl.d", {node("/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf", "a")}},
               {"/usr/lib/sysctl.d", {}}};
  tree.sysctl_conf = node("/etc/sysctl.conf", "/etc/sysctl.conf", "a");
  FilePlan plan;
  plan.path = "/etc/sysctl.d/99-sysctl.conf";
  plan.target = "/etc/sysctl.conf";
  plan.after = "b";
  ConfTree edited = apply_plan(tree, plan);
  EXPECT_EQ(edited.dirs[0].entries[0].content, "b");
  EXPECT_EQ(edited.sysctl_conf.content, "b");

  FilePlan own;
  own.path = own.target = "/etc/sysctl.d/99-kaltune.conf";
  own.after = "c";
  edited = apply_plan(tree, own);
  ASSERT_EQ(edited.dirs[0].entries.size(), 2u);
  EXPECT_EQ(edited.dirs[0].entries[1].path, "/etc/sysctl.d/99-kaltune.conf");
  EXPECT_EQ(edited.dirs[0].entries[1].content, "c");
  EXPECT_TRUE(edited.dirs[1].entries.empty());

  FilePlan removal = plan;
  removal.after.reset();
  edited = apply_plan(tree, removal);
  EXPECT_TRUE(edited.dirs[0].entries.empty());
  EXPECT_EQ(edited.sysctl_conf.kind, NodeKind::broken);
}

TEST(PredictBoot, SeesTheFileBeforeItIsWritten) {
  TempRoot root;
  root.write("usr/lib/sysctl.d/50-vendor.conf", "net.ipv4.tcp_keepalive_time = 100\n");
  std::filesystem::create_directories(root.path() / "etc/sysctl.d");
  Posix posix;
  const FilePlan plan = plan_set(posix, root.path(), std::nullopt, time_600());
  const BootView view = predict_boot(root.path(), BootModel::systemd, plan);
  EXPECT_EQ(view.settings[Key::time].value, 600);
  EXPECT_EQ(view.settings[Key::time].origin, "/etc/sysctl.d/99-kaltune.conf:4");
  EXPECT_FALSE(std::filesystem::exists(root.path() / "etc/sysctl.d/99-kaltune.conf"));
}

class Commit : public ::testing::Test {
protected:
  TempRoot root;
  std::filesystem::path file =
      root.write("etc/sysctl.d/99-kaltune.conf", own_header + "net.ipv4.tcp_keepalive_time = 1\n");
  FakeProcSys proc;
  FailingPosix posix;

  PersistStep step(FakeBoot boot) {
    PersistStep s;
    s.describe = describe;
    s.plan = plan_set(posix, root.path(), std::nullopt, time_600());
    s.resolve_boot = [boot] { return boot.view; };
    s.wanted = time_600();
    s.proc = &proc;
    s.runtime_changes = {{Key::time, 7200, 600}};
    return s;
  }
  std::string content() const { return root.read("etc/sysctl.d/99-kaltune.conf"); }
};

TEST_F(Commit, WritesChecksBootAndAppliesRuntime) {
  FakeBoot boot;
  boot.win(Key::time, 600, "/etc/sysctl.d/99-kaltune.conf", 4);
  const BootView view = commit_persist(posix, step(boot));
  EXPECT_EQ(content(), own_header + "net.ipv4.tcp_keepalive_time = 600\n");
  EXPECT_EQ(proc.values["net.ipv4.tcp_keepalive_time"], "600\n");
  EXPECT_EQ(view.settings[Key::time].value, 600);
}

TEST_F(Commit, OverriddenAtBootRestoresTheFileAndLeavesRuntime) {
  FakeBoot boot;
  boot.win(Key::time, 9, "/etc/sysctl.d/zz.conf", 1);
  try {
    commit_persist(posix, step(boot));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_NE(std::string(e.what()).find("/etc/sysctl.d/zz.conf:1"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("restored as it was"), std::string::npos);
  }
  EXPECT_EQ(content(), own_header + "net.ipv4.tcp_keepalive_time = 1\n");
  EXPECT_TRUE(proc.writes.empty());
}

TEST_F(Commit, PredictedOverrideWritesNothing) {
  FakeBoot boot;
  boot.win(Key::time, 600, "/etc/sysctl.d/99-kaltune.conf", 4);
  PersistStep s = step(boot);
  FakeBoot predicted;
  predicted.win(Key::time, 9, "/etc/sysctl.d/zz.conf", 1);
  s.predict_boot = [predicted](const FilePlan&) { return predicted.view; };
  posix.calls.clear();
  try {
    commit_persist(posix, s);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_NE(std::string(e.what()).find("/etc/sysctl.d/zz.conf:1"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("; nothing was changed"), std::string::npos);
  }
  EXPECT_TRUE(posix.calls.empty());
  EXPECT_TRUE(proc.writes.empty());
}

TEST_F(Commit, RuntimeFailureRestoresTheFile) {
  FakeBoot boot;
  boot.win(Key::time, 600, "/etc/sysctl.d/99-kaltune.conf", 4);
  proc.fail_write = 1;
  proc.fail_errno = EIO;
  EXPECT_THROW(commit_persist(posix, step(boot)), Error);
  EXPECT_EQ(content(), own_header + "net.ipv4.tcp_keepalive_time = 1\n");
  EXPECT_EQ(proc.values["net.ipv4.tcp_keepalive_time"], "7200\n");
}

TEST_F(Commit, FileFailureLeavesRuntimeAlone) {
  FakeBoot boot;
  boot.win(Key::time, 600, "/etc/sysctl.d/99-kaltune.conf", 4);
  PersistStep s = step(boot);
  posix.fail_call = "rename";
  EXPECT_THROW(commit_persist(posix, s), SystemError);
  EXPECT_EQ(content(), own_header + "net.ipv4.tcp_keepalive_time = 1\n");
  EXPECT_TRUE(proc.writes.empty());
  EXPECT_EQ(root.list("etc/sysctl.d"), std::vector<std::string>{"99-kaltune.conf"});
}

// reset --persist removing kaltune's own file: the directory's fsync after the unlink fails. The
// file is put back, and the message says so and that the kernel was left alone — never "cannot
// write" with the file gone.
TEST_F(Commit, AFailedRemovalSaysTheFileIsBackAndTheKernelUnchanged) {
  root.write("etc/sysctl.d/99-kaltune.conf", own_header + "net.ipv4.tcp_keepalive_time = 600\n");
  PersistStep s;
  s.plan = plan_remove(posix, root.path(), std::nullopt);
  ASSERT_FALSE(s.plan.after);
  s.resolve_boot = [] { return FakeBoot{}.view; };
  s.proc = &proc;
  s.runtime_changes = {{Key::time, 600, 7200}};
  posix.fail_call = "fsync"; // a removal writes no temp file: the first fsync is the directory's
  try {
    commit_persist(posix, s);
    FAIL() << "the removal was reported as done";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_EQ(std::string(e.what()),
              "cannot remove " + file.string() + ": fsync of directory " +
                  file.parent_path().string() + ": Input/output error; " + file.string() +
                  " put back as it was; the running values were not changed");
  }
  EXPECT_EQ(content(), own_header + "net.ipv4.tcp_keepalive_time = 600\n");
  EXPECT_TRUE(proc.writes.empty());
  EXPECT_EQ(root.list("etc/sysctl.d"), std::vector<std::string>{"99-kaltune.conf"});
}

TEST_F(Commit, UnchangedFileIsNotWritten) {
  root.write("etc/sysctl.d/99-kaltune.conf", own_header + "net.ipv4.tcp_keepalive_time = 600\n");
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  FakeBoot boot;
  boot.win(Key::time, 600, "/etc/sysctl.d/99-kaltune.conf", 4);
  PersistStep s = step(boot);
  s.runtime_changes.clear();
  posix.calls.clear();
  commit_persist(posix, s);
  EXPECT_TRUE(posix.calls.empty());
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
}

// A minimal image without /etc/sysctl.d: the directory is created (0755 whatever the umask) for
// kaltune's own file, and removed again when a later step fails.
class CommitNewDirectory : public ::testing::Test {
protected:
  TempRoot root;
  FakeProcSys proc;
  FailingPosix posix;
  void SetUp() override { std::filesystem::create_directories(root.path() / "etc"); }

  PersistStep step(FakeBoot boot) {
    PersistStep s;
    s.describe = describe;
    s.plan = plan_set(posix, root.path(), std::nullopt, time_600());
    s.resolve_boot = [boot] { return boot.view; };
    s.wanted = time_600();
    return s;
  }
};

TEST_F(CommitNewDirectory, CreatesTheDirectoryWithMode0755) {
  FakeBoot boot;
  boot.win(Key::time, 600, "/etc/sysctl.d/99-kaltune.conf", 4);
  const mode_t old_umask = ::umask(077);
  commit_persist(posix, step(boot));
  ::umask(old_umask);
  struct stat st {};
  ASSERT_EQ(::stat((root.path() / "etc/sysctl.d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(root.read("etc/sysctl.d/99-kaltune.conf"),
            own_header + "net.ipv4.tcp_keepalive_time = 600\n");
}

TEST_F(CommitNewDirectory, LaterFailureRemovesTheDirectoryAgain) {
  FakeBoot boot;
  boot.win(Key::time, 9, "/etc/sysctl.d/zz.conf", 1);
  EXPECT_THROW(commit_persist(posix, step(boot)), Error);
  EXPECT_EQ(root.list("etc"), std::vector<std::string>{});
}

TEST_F(CommitNewDirectory, FailedWriteRemovesTheDirectoryAgain) {
  FakeBoot boot;
  boot.win(Key::time, 600, "/etc/sysctl.d/99-kaltune.conf", 4);
  PersistStep s = step(boot);
  posix.fail_call = "rename";
  EXPECT_THROW(commit_persist(posix, s), SystemError);
  EXPECT_EQ(root.list("etc"), std::vector<std::string>{});
}

TEST_F(CommitNewDirectory, ImpossibleCreationSaysSo) {
  FakeBoot boot;
  boot.win(Key::time, 600, "/etc/sysctl.d/99-kaltune.conf", 4);
  PersistStep s = step(boot);
  posix.fail_call = "mkdir";
  posix.fail_errno = EROFS;
  try {
    commit_persist(posix, s);
    FAIL();
  } catch (const SystemError& e) {
    EXPECT_EQ(e.status(), ExitStatus::system);
    EXPECT_EQ(std::string(e.what()), "cannot create the directory /etc/sysctl.d for "
                                     "/etc/sysctl.d/99-kaltune.conf: Read-only file system");
  }
  EXPECT_EQ(root.list("etc"), std::vector<std::string>{});
}

} // namespace
} // namespace kaltune
