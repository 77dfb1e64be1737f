#pragma once

// The seam through which owner attribution (core/netns_owner) reads what the node already has:
// a container runtime's state files and a process's UTS hostname. Unit tests give it a table.

#include <optional>
#include <string>
#include <sys/types.h>

namespace kaltune {

struct UtsName {
  std::string hostname;
  bool host = false; // the host's UTS namespace: its hostname is the node's, not a pod's
};

class NodeFacts {
public:
  virtual ~NodeFacts() = default;
  // The bytes of a small state file (an OCI bundle's config.json); nullopt when it is absent or
  // unreadable. `path` is absolute on the node.
  virtual std::optional<std::string> read_state_file(const std::string& path) = 0;
  // The hostname of the UTS namespace of `pid`, and whether that namespace is the host's (PID
  // 1's, or not known to differ from it); nullopt when it cannot be read.
  virtual std::optional<UtsName> uts_name(pid_t pid) = 0;
};

class RealNodeFacts final : public NodeFacts {
public:
  std::optional<std::string> read_state_file(const std::string& path) override;
  std::optional<UtsName> uts_name(pid_t pid) override;
};

} // namespace kaltune
