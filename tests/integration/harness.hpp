#pragma once

// The integration-test harness: the test process leaves the host's network and mount namespaces
// before any test runs (main.cpp), so every /proc/sys/net write and every mount a test makes is
// private. Tests run the built binary and check real effects: exit status, exact output, values
// read back from /proc/sys.

#include "../common/temp_root.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace kaltune::itest {

// How the process got its private namespaces, or why it could not.
struct Isolation {
  bool private_netns = false;
  bool private_mountns = false;
  bool real_root = false; // uid 0 in the initial user namespace (not just a user namespace)
  std::string reason;     // why isolation failed, for GTEST_SKIP
};

// "WHAT: strerror(errno)", for the reasons a step of the harness gives.
std::string errno_text(const char* what);

// Called once from main() before RUN_ALL_TESTS. As root: unshare(NEWNET|NEWNS) and make every
// mount private. Otherwise: the same inside a new user namespace mapping the caller to root.
void isolate();
const Isolation& isolation();

// Skip (visibly) unless the process is in its own network namespace.
#define KALTUNE_REQUIRE_NETNS()                                                                    \
  do {                                                                                             \
    if (!::kaltune::itest::isolation().private_netns) {                                            \
      GTEST_SKIP() << "no private network namespace: " << ::kaltune::itest::isolation().reason;    \
    }                                                                                              \
  } while (0)

// Skip unless really root (needed to drop to another uid, or for setns into foreign namespaces).
#define KALTUNE_REQUIRE_ROOT()                                                                     \
  do {                                                                                             \
    KALTUNE_REQUIRE_NETNS();                                                                       \
    if (!::kaltune::itest::isolation().real_root) {                                                \
      GTEST_SKIP() << "needs root in the initial user namespace (run the tests as root)";          \
    }                                                                                              \
  } while (0)

struct RunResult {
  int status = -1; // exit status, or 128 + signal
  std::string out;
  std::string err;
};

struct RunOptions {
  std::map<std::string, std::string> env; // added to (or replacing in) the environment
  std::vector<std::string> unset_env;
  std::optional<uid_t> uid; // drop to this uid/gid before exec (needs real root)
  std::optional<gid_t> gid;
  std::string stdin_text;
};

// Runs argv[0] (looked up in PATH) and captures its status and output.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// A program started in the background, for a test that acts while it runs (sends a signal,
// lets go of a lock) once it has seen the program get there: never after a fixed sleep.
class Process {
public:
  // Starts argv[0] (looked up in PATH) with the options of run().
  explicit Process(const std::vector<std::string>& argv, const RunOptions& options = {});
  ~Process(); // a process still running is killed and reaped
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  // Collects output until stderr holds `text`, the program closes its output, or `limit` has
  // passed; whether `text` came.
  bool wait_for_err(const std::string& text, std::chrono::milliseconds limit);
  // The output collected so far.
  const RunResult& so_far() const { return result_; }
  // Collects the rest of the output, then the exit status.
  RunResult finish();

private:
  // Reads what is ready within `timeout_ms` (-1: until something comes); false once both output
  // pipes are closed.
  bool collect(int timeout_ms);

  pid_t pid_ = -1;
  int fds_[2] = {-1, -1}; // stdout, stderr
  RunResult result_;
};
// Runs the kaltune binary under test with these arguments.
RunResult run_kaltune(const std::vector<std::string>& args, const RunOptions& options = {});
// The path of the kaltune binary under test.
std::string kaltune_binary();

// How many random layouts a randomized replay runs per model: KALTUNE_RANDOM_LAYOUTS when set,
// else `full` — or, in a sanitizer build, whose kaltune is several times slower to start, the
// first 50 seeds (the memory errors they could reveal are in paths the fuzz targets and the fixed
// layouts run too; the gcc build runs them all).
unsigned random_layouts(unsigned full);

// The value of a sysctl in this process's (private) network namespace, e.g.
// "net.ipv4.tcp_keepalive_time"; writes one for test setup.
long read_sysctl(const std::string& name);
void write_sysctl(const std::string& name, long value);
// The three keepalive values, in order time, intvl, probes.
std::vector<long> read_keepalive();

// Temporary roots and exact file bytes, shared with the unit tests.
using test::read_file;
using test::TempRoot;

// A process sleeping in a network namespace of its own, for --pid/--netns tests. The namespace
// starts at the kernel defaults.
class NamespaceHolder {
public:
  NamespaceHolder();
  ~NamespaceHolder();
  NamespaceHolder(const NamespaceHolder&) = delete;
  NamespaceHolder& operator=(const NamespaceHolder&) = delete;
  pid_t pid() const { return pid_; }
  std::string netns_path() const;
  // A sysctl read inside the holder's namespace (through nsenter, a real outside reader).
  long read_sysctl(const std::string& name) const;

private:
  pid_t pid_ = -1;
};

} // namespace kaltune::itest
