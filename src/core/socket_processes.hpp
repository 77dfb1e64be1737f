#pragma once

#include "sys/socket_owners.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace kaltune {

// What `sockets --processes` learns while the dump goes: the owners from one pass over /proc made
// before it, each socket's own options read on first use and kept (the table asks twice), and
// what could not be seen. Disabled, it knows no owner and reads nothing.
class SocketProcesses {
public:
  explicit SocketProcesses(bool enabled);

  const SocketOwner* owner(std::uint32_t inode) const;
  // The socket's options; nullptr when no visible process holds it or they could not be read
  // (counted for missing()).
  const SocketOptions* options(std::uint32_t inode);
  // Once per listed socket, to count those no visible process holds.
  void note_listed(std::uint32_t inode);
  // One line per kind of thing not seen, with its count: "socket options of 3 sockets: …".
  std::vector<std::string> missing() const;

private:
  bool enabled_;
  OwnerScan scan_;
  std::unordered_map<std::uint32_t, std::optional<SocketOptions>> options_;
  std::unordered_map<pid_t, UniqueFd> pidfds_;  // one per process whose sockets were read
  std::map<std::string, std::size_t> failures_; // one line per distinct failure, with its count
  std::size_t unowned_ = 0;
};

} // namespace kaltune
