#pragma once

// Replaying a configuration layout with the real boot-time appliers, safely: inside the test
// process's private mount + network namespaces, tmpfs over /run and the sysctl.d directories, the
// layout copied in and /etc/sysctl.conf bind-mounted, then systemd-sysctl (--prefix, one per key)
// or procps `sysctl --system` in a new user + network namespace, and the three values read back
// there. Every file the applier could read is checked first for keys other than keepalive ones.
// Shared by the boot-view differential tests and the persist tests.

#include "harness.hpp"

#include <filesystem>
#include <string>
#include <vector>

// Skips the test unless the appliers exist and this process may mount over the configuration.
#define KALTUNE_REQUIRE_REPLAY(model)                                                              \
  do {                                                                                             \
    KALTUNE_REQUIRE_ROOT();                                                                        \
    if (const std::string why = ::kaltune::itest::replay_unavailable(model); !why.empty()) {       \
      GTEST_SKIP() << why;                                                                         \
    }                                                                                              \
  } while (0)

namespace kaltune::itest {

// Mounts made for one replay, undone (lazily) when it goes out of scope.
class Mounts {
public:
  Mounts() = default;
  Mounts(const Mounts&) = delete;
  Mounts& operator=(const Mounts&) = delete;
  ~Mounts();
  void tmpfs(const std::string& target);
  void bind(const std::string& source, const std::string& target);

private:
  std::vector<std::string> targets_;
};

// Why replays cannot run here ("" when they can): not root, no private mount namespace (checked
// again against PID 1's and for "/" still propagating mounts), the
// applier of `model` ("systemd" or "procps") missing, or a directory to mount over missing.
std::string replay_unavailable(const std::string& model);

// Replaces the boot configuration of this (private) mount namespace with the layout at `layout`
// (a root directory as `kaltune --root` takes it) until `mounts` goes.
void install_layout(Mounts& mounts, const std::filesystem::path& layout);

struct Replay {
  std::vector<long> values; // time, intvl, probes as the kernel holds them afterwards
  long retries2 = -1;       // net.ipv4.tcp_retries2 afterwards (-1: not read)
  RunResult applied;        // the applier's own output, for failure messages
  std::string refused;      // why the applier was not run (a test failure is recorded too)
};

// The first line, in any file an applier could read now (every *.conf in the sysctl.d
// directories of both models, hidden ones too, and /etc/sysctl.conf), that could reach a key
// other than kaltune's four keys (tests/common/keepalive_guard.hpp), as "file: why"; ""
// when there is none.
std::string foreign_config();

// `argv` wrapped so that it runs as root of a new user namespace mapped to nobody, in a new
// network namespace (at the kernel defaults), sharing the test's mount namespace: writes to
// sysctls that are not per network namespace (kernel.*, vm.*) fail with EACCES by
// construction. It refuses to start (exit 99) if /proc/sys/kernel/panic or /proc/sys/vm/swappiness
// is writable there, and prints "@@kaltune-values@@" and the values of kaltune's four keys in
// that namespace after argv has run; the exit status is argv's.
std::vector<std::string> confined(const std::vector<std::string>& argv);

// What acts around the applier at boot, for replays of the other boot sources.
struct BootExtras {
  // The kernel command line's sysctl writes, made (as the kernel makes them: the value's bytes
  // written to the file) in the confined namespace before the applier runs: {"net/ipv4/…", "50"}.
  std::vector<std::pair<std::string, std::string>> cmdline_writes;
  // systemd: CREDENTIALS_DIRECTORY=/run/credentials/@system, where the layout's run/ went.
  bool credentials = false;
};

// Runs the real applier of `model`, confined, over the boot configuration now in place and
// reads the keys back in the same namespace — unless foreign_config() finds a line that could
// reach another key: then the applier is not run, the test fails and `refused` says why.
Replay run_applier(const std::string& model, const BootExtras& extras = {});

// install_layout + run_applier, with the mounts gone afterwards.
Replay replay_layout(const std::filesystem::path& layout, const std::string& model,
                     const BootExtras& extras = {});

} // namespace kaltune::itest
