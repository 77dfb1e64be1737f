#pragma once

// What the persist tests (test_persist*.cpp, test_reset.cpp) share: the values they ask for,
// kaltune's own file header, snapshots of a root, and the two fixtures, one on a --root layout and
// one on this (private) mount namespace's own /etc.

#include "../common/layouts.hpp"
#include "harness.hpp"
#include "replay.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kaltune::itest {

// What the persist tests ask for, and the arguments that ask for it.
inline const std::vector<long> asked{600, 30, 4};
inline const std::vector<std::string> set_asked{"set", "--time",   "600", "--intvl",
                                                "30",  "--probes", "4",   "--persist"};
// The first lines of kaltune's own file.
inline const std::string header =
    "# Managed by kaltune: TCP keepalive values applied at boot.\n"
    "# Change them with `kaltune set --persist`, remove them with `kaltune reset --persist`.\n"
    "# kaltune rewrites only the lines of its keys (tcp_keepalive_*, tcp_retries2), no other "
    "line.\n";

// Every entry under a root: bytes of files, targets of links, mode and owner; with `times` also
// the modification times (of directories too: a temp file created and removed changes them).
std::map<std::string, std::string> snapshot(const std::filesystem::path& root, bool times = false);

// `--root ROOT --boot-model MODEL`, then `args`.
std::vector<std::string> on_root(const std::filesystem::path& root, const std::string& model,
                                 const std::vector<std::string>& args);

// `set_asked` and `extra` run on `layout`, written to a fresh root, as `model` boots it (kaltune's
// lock in the caller's private /run). The root's snapshot from before the run is kept, so that a
// refusal can be shown to have changed nothing.
class PersistedLayout {
public:
  PersistedLayout(const layouts::Layout& layout, const std::string& model,
                  const std::vector<std::string>& extra = {});
  const RunResult& result() const { return result_; }
  // Every entry under the root (modification times too) before the run, and now.
  const std::map<std::string, std::string>& before() const { return before_; }
  std::map<std::string, std::string> now() const { return snapshot(root_.path(), true); }
  // The same command once more.
  RunResult again() const { return run_kaltune(args_); }
  // What the real applier of the model makes of the root's files.
  Replay replay(const BootExtras& extras = {}) const {
    return replay_layout(root_.path(), model_, extras);
  }
  const std::filesystem::path& root() const { return root_.path(); }

private:
  TempRoot root_;
  std::string model_;
  std::vector<std::string> args_;
  std::map<std::string, std::string> before_;
  RunResult result_;
};

// An empty --root layout, the systemd model, and a private /run for kaltune's lock.
class Persist : public ::testing::Test {
protected:
  TempRoot root;
  Mounts mounts;
  void SetUp() override;
  // kaltune with `--root ROOT --boot-model systemd` before `args`.
  RunResult kaltune(const std::vector<std::string>& args, const RunOptions& options = {});
  // The bytes of kaltune's own file under the root.
  std::string own() const { return read_file(root.path() / "etc/sysctl.d/99-kaltune.conf"); }
};

// Without --root, in the private mount namespace: tmpfs over /etc/sysctl.d and the other
// directories, /etc/sysctl.conf bind-mounted from a temporary file. Never the real /etc. The
// running values start at the kernel defaults.
class PersistLive : public ::testing::Test {
protected:
  TempRoot layout;
  std::unique_ptr<Mounts> mounts;
  void SetUp() override;
};

} // namespace kaltune::itest
