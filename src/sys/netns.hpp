#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

namespace kaltune {

// Which network namespace a command works on: the caller's own, a name or path given with
// --netns, or a process's with --pid.
struct NetnsTarget {
  std::optional<std::string> netns; // a name under /run/netns, or a path to a namespace file
  std::optional<pid_t> pid;
};

// The namespace file a target names ("/run/netns/NAME", "/proc/PID/ns/net", or the path itself);
// nullopt for the caller's own namespace.
std::optional<std::string> netns_path(const NetnsTarget& target);

// Enters the target's network namespace (setns); /proc/sys/net then shows its values.
// Throws Error: exit 4 when the namespace does not exist or is not one, 3 without permission.
void enter_netns(const NetnsTarget& target);

} // namespace kaltune
