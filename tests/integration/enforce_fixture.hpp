#pragma once

// What the enforce tests share: a bpffs of the test's own (mounted in its private mount
// namespace over /sys/fs/bpf, so kaltune's pins never reach the host's and die with the mount),
// a tmpfs /run for the lock, a cgroup of the test's own under the cgroup2 mount (removed at the
// end; the test process steps into it to make sockets "of a program in the cgroup"), and
// loopback connections whose options are read back with getsockopt.

#include "harness.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kaltune::itest {

// The cgroup2 mount point of this mount namespace ("" when none).
std::string cgroup2_mount_point();

// A socket's keepalive options, read with getsockopt.
struct Options {
  int keepalive = 0;
  int idle = 0;
  int intvl = 0;
  int count = 0;
  int user_timeout_ms = 0;
  bool operator==(const Options&) const = default;
};
Options options_of(int fd);
std::ostream& operator<<(std::ostream& out, const Options& options);

// A connected loopback pair; `before_connect` runs on the client socket before connect(2) and
// `before_listen` on the listener. Closes all three at the end.
class Connection {
public:
  explicit Connection(bool ipv6 = false, const std::function<void(int)>& before_connect = {},
                      const std::function<void(int)>& before_listen = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  int client() const { return client_; }
  int server() const { return server_; }

private:
  int listener_ = -1;
  int client_ = -1;
  int server_ = -1;
};

class EnforceTest : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;

  // Runs `kaltune enforce --cgroup <the test's cgroup> ARGS…`.
  RunResult enforce(const std::vector<std::string>& args, const RunOptions& options = {});
  // `kaltune --json enforce --list`, parsed: the "enforcements" array.
  std::string list_json();
  // An /etc of the test's own: a tmpfs whose entries link to the real ones (bound at
  // /run/etc.real), except /etc/kaltune (absent) and /etc/systemd/system (an empty directory),
  // so that --persist writes only there. Undone in TearDown.
  void private_etc();
  // Moves the test process into its cgroup until leave() (or the end of the test).
  void enter();
  void leave();

  std::string mount_;     // the cgroup2 mount
  std::string cgroup_;    // relative to it
  std::string directory_; // absolute
  std::string home_;      // the test process's own cgroup, to go back to
  bool inside_ = false;
  bool bpffs_ = false;
  bool run_tmpfs_ = false;
  bool etc_tmpfs_ = false;
};

} // namespace kaltune::itest
