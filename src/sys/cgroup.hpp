#pragma once

// The cgroup v2 tree `enforce` attaches to: where the cgroup2 filesystem is mounted (from
// mountinfo: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one), a
// cgroup directory checked to be one, the processes of a subtree, and a systemd unit's cgroup.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace kaltune {

// One cgroup filesystem mount from a mountinfo text.
struct CgroupMount {
  std::string mount_point;
  std::string root;        // the mount's root within the hierarchy ("/" unless a namespace's view)
  bool v2 = false;         // cgroup2; else a v1 hierarchy
  std::string controllers; // v1: the super options (cpu,cpuacct / name=systemd)
};

// Pure: the cgroup and cgroup2 mounts of a /proc/PID/mountinfo text, in its order.
std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);

// The cgroup2 mount point of this mount namespace; Error (exit 4) naming what there is instead
// when there is none (a v1-only host).
std::filesystem::path cgroup2_mount(const std::string& mountinfo_path = "/proc/self/mountinfo");

// A cgroup directory found: its path and its id (the inode, which the kernel's cgroup id is).
struct CgroupDir {
  std::filesystem::path path;
  std::uint64_t id = 0;
};

// Checks `path` (absolute) is a directory of the cgroup2 filesystem; Error (exit 4) saying what it
// is instead: missing, a cgroup v1 directory, another filesystem.
CgroupDir open_cgroup_dir(const std::filesystem::path& path);

// The id of the cgroup directory `path` (its inode); 0 when it does not exist.
std::uint64_t cgroup_id(const std::filesystem::path& path);

// Whether an absolute path outside the cgroup2 mount is a directory of another filesystem; then
// the reason it cannot be used (a cgroup v1 hierarchy, not a cgroup).
std::optional<std::string> foreign_directory(const std::filesystem::path& path,
                                             const std::filesystem::path& mount);

// The processes in the cgroup directory and every cgroup below it (cgroup.procs of each).
std::vector<pid_t> subtree_processes(const std::filesystem::path& dir);

// The ids of the cgroup directory and every cgroup below it (what a program attached there acts
// on: a socket's cgroup id, as inet_diag reports it, is one of them).
std::vector<std::uint64_t> subtree_ids(const std::filesystem::path& dir);

// The cgroups (relative to `mount`) of the systemd unit `unit`: every directory of that name in
// the tree (system units under system.slice, user units under user@UID.service/…).
std::vector<std::string> find_unit_cgroups(const std::filesystem::path& mount,
                                           std::string_view unit);

} // namespace kaltune
