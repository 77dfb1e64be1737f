#include "core/socket_processes.hpp"

#include "base/error.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kaltune {

SocketProcesses::SocketProcesses(bool enabled) : enabled_(enabled) {
  if (enabled_) {
    scan_ = scan_socket_owners([](std::uint32_t) { return true; });
  }
}

const SocketOwner* SocketProcesses::owner(std::uint32_t inode) const {
  const auto it = scan_.owners.find(inode);
  return it == scan_.owners.end() ? nullptr : &it->second;
}

const SocketOptions* SocketProcesses::options(std::uint32_t inode) {
  const SocketOwner* holder = owner(inode);
  if (holder == nullptr) {
    return nullptr;
  }
  auto [it, added] = options_.try_emplace(inode);
  if (added) {
    try {
      auto pidfd = pidfds_.find(holder->pid);
      if (pidfd == pidfds_.end()) {
        pidfd = pidfds_.emplace(holder->pid, open_pidfd(holder->pid)).first;
      }
      it->second = read_socket_options(pidfd->second.get(), holder->pid, holder->fd, inode);
      if (!it->second) {
        ++failures_["its descriptor holds another file now (closed and reused since the scan)"];
      }
    } catch (const SystemError& error) {
      const bool denied = error.error_number() == EPERM || error.error_number() == EACCES;
      // Counted by call and error, not by process: one line says it for all of them.
      const std::string call = error.call().empty() ? error.what() : error.call();
      ++failures_[fmt::format("{}: {}{}", call, std::strerror(error.error_number()),
                              !denied ? ""
                              : ::geteuid() != 0
                                  ? " (needs ptrace rights over the process: run as root)"
                                  : " (needs ptrace rights over the process, which "
                                    "root lacks here: another user namespace or a "
                                    "security module)")];
    }
  }
  return it->second ? &*it->second : nullptr;
}

void SocketProcesses::note_listed(std::uint32_t inode) {
  if (enabled_ && owner(inode) == nullptr) {
    ++unowned_;
  }
}

std::vector<std::string> SocketProcesses::missing() const {
  std::vector<std::string> out;
  for (const auto& [what, n] : failures_) {
    out.push_back(fmt::format("socket options of {} socket{}: {}", n, n == 1 ? "" : "s", what));
  }
  if (scan_.unreadable > 0) {
    out.push_back(fmt::format("owners among {} of {} processes whose descriptors are readable "
                              "only by their user or root",
                              scan_.unreadable, scan_.processes));
  }
  if (unowned_ > 0) {
    out.push_back(fmt::format("the process of {} socket{}: no visible process holds {}", unowned_,
                              unowned_ == 1 ? "" : "s", unowned_ == 1 ? "it" : "them"));
  }
  return out;
}

} // namespace kaltune
