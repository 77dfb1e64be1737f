#pragma once

// The seam through which owner attribution (core/netns_owner) reads what the node already has:
// a container runtime's state files and a process's UTS hostname. Unit tests give it a table.

#include <optional>
#include <string>
#include <sys/types.h>

namespace kaltune {

class NodeFacts {
public:
  virtual ~NodeFacts() = default;
  // The bytes of a small state file (an OCI bundle's config.json); nullopt when it is absent or
  // unreadable. `path` is absolute on the node.
  virtual std::optional<std::string> read_state_file(const std::string& path) = 0;
  // The hostname of the UTS namespace of `pid`; nullopt when it cannot be read.
  virtual std::optional<std::string> uts_hostname(pid_t pid) = 0;
};

class RealNodeFacts final : public NodeFacts {
public:
  std::optional<std::string> read_state_file(const std::string& path) override;
  std::optional<std::string> uts_hostname(pid_t pid) override;
};

} // namespace kaltune
