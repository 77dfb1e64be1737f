#pragma once

#include <filesystem>
#include <string>

namespace kaltune {

// A path as the configured system sees it (`/etc/sysctl.conf`), resolved under --root.
struct RootedPath {
  std::filesystem::path system; // after following every symlink, as the system sees it
  std::filesystem::path host;   // where that is on this machine: root + system
  bool exists = false;          // the final target exists
  bool through_symlink = false; // at least one symlink was followed
};

// Follows every symlink in `system_path` the way the configured system would, but inside `root`:
// absolute link targets start at `root`, and ".." never climbs above it. A missing component
// ends the walk with `exists = false`. Throws Error on a symlink loop (more than 40 links).
RootedPath resolve_in_root(const std::filesystem::path& root,
                           const std::filesystem::path& system_path);

} // namespace kaltune
