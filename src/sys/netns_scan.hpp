#pragma once

// Every network namespace on the machine (`--all-netns`): kaltune's own, PID 1's, every
// process's /proc/PID/ns/net and every nsfs bind mount in /proc/self/mountinfo (`ip netns`
// names under /run/netns, Docker's and CNI's files elsewhere), each once by (device, inode).

#include "sys/fd.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace kaltune {

// A namespace is its nsfs inode on its device; the inode is what `ip netns identify` and
// `lsns` print.
struct NetnsId {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  auto operator<=>(const NetnsId&) const = default;
};

struct NetnsProcess {
  pid_t pid = 0;
  std::string comm;
};

// One namespace found, with what the owner attribution needs.
struct FoundNetns {
  NetnsId id;
  std::vector<std::string> mounts; // nsfs bind-mount paths, sorted
  std::size_t process_count = 0;
  std::vector<NetnsProcess> processes; // the lowest pids, at most ScanLimits::processes
  // /proc/PID/cgroup of some of its processes (distinct texts, lowest pids first).
  std::vector<std::pair<pid_t, std::string>> cgroups;
  bool self = false; // kaltune's own namespace
  bool init = false; // PID 1's namespace: "the host"
};

// Namespaces or processes kaltune could not look at, and why ("not shown").
struct MissingNetns {
  std::optional<NetnsId> id;       // when the namespace itself is known
  std::vector<std::string> mounts; // its bind mounts, if any
  std::size_t process_count = 0;   // processes whose namespace could not be read
  std::vector<pid_t> pids;         // a few of them
  std::string reason;
  int error_number = 0; // the errno behind it (EACCES/EPERM: permission), 0 when none
};

struct NetnsScan {
  // The host's (PID 1's) first, then kaltune's own, then by inode.
  std::vector<FoundNetns> namespaces;
  std::vector<MissingNetns> missing;
  std::size_t vanished = 0; // processes and mounts that went away during the scan
  std::optional<NetnsId> host;
};

struct ScanLimits {
  std::size_t processes = 5; // (pid, comm) kept per namespace
  std::size_t cgroups = 4;   // distinct cgroup files kept per namespace
};

// One nsfs mount of a network namespace, from a mountinfo line.
struct NsfsMount {
  std::string mount_point; // unescaped (\040 → space)
  std::uint64_t ino = 0;   // from the root field "net:[4026532345]"
};

// Pure: the network-namespace nsfs mounts listed in a /proc/PID/mountinfo text. Lines that are
// not nsfs mounts of a network namespace, and malformed lines, are skipped.
std::vector<NsfsMount> parse_nsfs_mounts(std::string_view mountinfo);

// Scans `proc` (normally "/proc") and its self/mountinfo. Never fails for one process or mount
// that goes away (counted in `vanished`) or cannot be read (listed in `missing`); throws
// SystemError only when `proc` itself cannot be listed.
NetnsScan scan_netns(const std::string& proc = "/proc", const ScanLimits& limits = {});

// Opens the namespace found (one of its mounts, else /proc/PID/ns/net of one of its sampled
// processes) and checks that it still is that namespace; an empty fd when it is gone.
UniqueFd open_found_netns(const FoundNetns& netns, const std::string& proc = "/proc");

// Enters network namespaces and comes back: constructed in the caller's namespace (which it
// keeps open), `enter` moves the thread into another, `leave` (or the destructor) returns.
class NetnsVisit {
public:
  NetnsVisit();
  ~NetnsVisit();
  NetnsVisit(const NetnsVisit&) = delete;
  NetnsVisit& operator=(const NetnsVisit&) = delete;
  // Throws SystemError (EPERM: exit 3) when the namespace cannot be entered.
  void enter(int netns_fd, std::string_view what);
  // Throws Error when the caller's namespace cannot be re-entered (then nothing is safe).
  void leave();
  NetnsId home() const { return home_id_; }

private:
  UniqueFd home_;
  NetnsId home_id_;
  bool away_ = false;
};

} // namespace kaltune
