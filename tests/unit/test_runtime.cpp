#include "core/runtime.hpp"

#include "fake_procsys.hpp"

#include <gtest/gtest.h>

namespace kaltune {
namespace {

using test::FakeProcSys;

// What applying 5/1/1 over the kernel defaults throws (the test fails when nothing is thrown).
Error failure_of_apply(FakeProcSys& proc) {
  try {
    apply_changes(proc, plan_changes(kernel_defaults, Settings{5, 1, 1}));
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error";
  return Error(ExitStatus::ok, "");
}

TEST(ParseKernelInteger, ReadsWhatTheKernelPrints) {
  EXPECT_EQ(*parse_kernel_integer("7200\n"), 7200);
  EXPECT_EQ(*parse_kernel_integer("-5\n"), -5);
  EXPECT_FALSE(parse_kernel_integer("").ok());
  EXPECT_FALSE(parse_kernel_integer("12 13\n").ok());
  EXPECT_FALSE(parse_kernel_integer("x\n").ok());
}

TEST(Runtime, ReadsTheThreeValues) {
  FakeProcSys proc;
  EXPECT_EQ(read_running(proc), kernel_defaults);
}

TEST(Runtime, PlansOnlyWhatChanges) {
  Request request;
  request[index_of(Key::time)] = 5;
  request[index_of(Key::intvl)] = 75;
  const Settings target = merge(kernel_defaults, request);
  EXPECT_EQ(target, (Settings{5, 75, 9}));
  const auto changes = plan_changes(kernel_defaults, target);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, Key::time);
  EXPECT_EQ(changes[0].from, 7200);
  EXPECT_EQ(changes[0].to, 5);
}

TEST(Runtime, WritesPlainDecimalAndVerifies) {
  FakeProcSys proc;
  apply_changes(proc, plan_changes(kernel_defaults, Settings{5, 1, 1}));
  EXPECT_EQ(read_running(proc), (Settings{5, 1, 1}));
  ASSERT_EQ(proc.writes.size(), 3u);
  EXPECT_EQ(proc.writes[0],
            (std::pair<std::string, std::string>{"net.ipv4.tcp_keepalive_time", "5"}));
}

TEST(Runtime, RollsBackWhenALaterWriteFails) {
  FakeProcSys proc;
  proc.fail_write = 3;
  proc.fail_errno = EIO;
  const Error e = failure_of_apply(proc);
  EXPECT_EQ(e.status(), ExitStatus::system);
  const std::string message = e.what();
  EXPECT_NE(message.find("cannot write net.ipv4.tcp_keepalive_probes"), std::string::npos)
      << message;
  EXPECT_NE(message.find("rolled back net.ipv4.tcp_keepalive_intvl = 75, "
                         "net.ipv4.tcp_keepalive_time = 7200"),
            std::string::npos)
      << message;
  EXPECT_EQ(read_running(proc), kernel_defaults);
}

TEST(Runtime, PermissionDeniedOnFirstWriteIsExit3AndChangesNothing) {
  FakeProcSys proc;
  proc.fail_write = 1;
  proc.fail_errno = EACCES;
  const Error e = failure_of_apply(proc);
  EXPECT_EQ(e.status(), ExitStatus::permission);
  EXPECT_NE(std::string(e.what()).find("nothing was changed"), std::string::npos) << e.what();
  EXPECT_EQ(proc.writes.size(), 1u);
  EXPECT_EQ(read_running(proc), kernel_defaults);
}

TEST(Runtime, ReadBackMismatchRollsBackThatKeyToo) {
  FakeProcSys proc;
  proc.read_back_override["net.ipv4.tcp_keepalive_intvl"] = "2\n";
  const Error e = failure_of_apply(proc);
  // intvl reads back 2 whatever is written, so it cannot be restored: that must be reported, and
  // time must still be restored.
  EXPECT_EQ(e.status(), ExitStatus::system);
  EXPECT_EQ(std::string(e.what()),
            "net.ipv4.tcp_keepalive_intvl: wrote 1 but the kernel reads back 2; ROLLBACK FAILED "
            "for net.ipv4.tcp_keepalive_intvl (net.ipv4.tcp_keepalive_intvl: wrote 75 but the "
            "kernel reads back 2); rolled back net.ipv4.tcp_keepalive_time = 7200");
  EXPECT_EQ(proc.values["net.ipv4.tcp_keepalive_time"], "7200\n");
  EXPECT_EQ(proc.values["net.ipv4.tcp_keepalive_probes"], "9\n"); // never written
}

TEST(Runtime, PermissionDeniedOnALaterWriteIsExit4AfterRollback) {
  // Something changed before the refusal, so this is no longer "nothing changed" (3).
  FakeProcSys proc;
  proc.fail_write = 2;
  proc.fail_errno = EPERM;
  const Error e = failure_of_apply(proc);
  EXPECT_EQ(e.status(), ExitStatus::system);
  EXPECT_NE(std::string(e.what()).find("rolled back net.ipv4.tcp_keepalive_time = 7200"),
            std::string::npos)
      << e.what();
  EXPECT_EQ(read_running(proc), kernel_defaults);
}

TEST(Runtime, AFailedWriteThatChangedItsKeyIsRestoredToo) {
  // The kernel stored the value but the write reported an error (as a short write would).
  class StoresThenFails : public FakeProcSys {
  public:
    void write(std::string_view name, std::string_view text) override {
      values[std::string(name)] = std::string(text) + "\n";
      writes.emplace_back(name, text);
      if (writes.size() == 2) {
        throw SystemError(EIO, "cannot write " + std::string(name));
      }
    }
  };
  StoresThenFails proc;
  EXPECT_EQ(failure_of_apply(proc).status(), ExitStatus::system);
  EXPECT_EQ(read_running(proc), kernel_defaults);
}

} // namespace
} // namespace kaltune
