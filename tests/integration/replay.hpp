#pragma once

// Replaying a configuration layout with the real boot-time appliers, safely: inside the test
// process's private mount + network namespaces, tmpfs over /run and the sysctl.d directories, the
// layout copied in and /etc/sysctl.conf bind-mounted, then systemd-sysctl (--prefix, one per key)
// or procps `sysctl --system`, and the three values read back from /proc/sys. Shared by the
// boot-view differential tests and the persist tests.

#include "harness.hpp"

#include <filesystem>
#include <string>
#include <vector>

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
  RunResult applied;        // the applier's own output, for failure messages
};

// Resets the keys to the kernel defaults, runs the real applier of `model` over the boot
// configuration now in place, and reads the keys back.
Replay run_applier(const std::string& model);

// install_layout + run_applier, with the mounts gone afterwards.
Replay replay_layout(const std::filesystem::path& layout, const std::string& model);

} // namespace kaltune::itest
