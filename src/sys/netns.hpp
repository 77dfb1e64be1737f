#pragma once

#include <optional>
#include <string>
#include <string_view>
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

// What to add to "Permission denied" on a network namespace: "run as root" to a caller that is
// not root; to root (euid 0, perhaps in a user namespace of its own), what still denies it.
// Decided on the effective uid, so no caller needs to read it back.
std::string_view denied_hint();

// Enters the target's network namespace (setns); /proc/sys/net then shows its values.
// Throws Error: exit 4 when the namespace does not exist or is not one, 3 without permission.
void enter_netns(const NetnsTarget& target);

} // namespace kaltune
