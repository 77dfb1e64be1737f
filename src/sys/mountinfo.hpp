#pragma once

// /proc/PID/mountinfo lines, read once here for every user (nsfs mounts of --all-netns, the
// cgroup mounts of enforce).

#include <string>
#include <string_view>
#include <vector>

namespace kaltune {

struct MountinfoLine {
  std::string root;        // the mount's root within its filesystem, unescaped
  std::string mount_point; // unescaped (\040 → space)
  std::string fstype;
  std::string source;
  std::string super_options;
};

// Pure: the lines of a mountinfo text ("id parent major:minor root mount-point options
// [optional…] - fstype source super-options"); malformed lines are skipped.
std::vector<MountinfoLine> parse_mountinfo(std::string_view mountinfo);

} // namespace kaltune
