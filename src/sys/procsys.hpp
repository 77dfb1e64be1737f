#pragma once

#include "sys/fd.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kaltune {

// The seam to /proc/sys: abstract so tests can inject failures and record writes.
// Names are sysctl names ("net.ipv4.tcp_keepalive_time"); implementations throw SystemError.
class ProcSys {
public:
  virtual ~ProcSys() = default;
  // The value text of a sysctl, as the kernel prints it (with its trailing newline).
  virtual std::string read(std::string_view name) = 0;
  // Writes `text` with one write(2) at offset 0, as the kernel wants it.
  virtual void write(std::string_view name, std::string_view text) = 0;
};

// The path of a sysctl under `base`. Throws Error (usage) for names that would leave it:
// empty components, "." or "..", anything but [A-Za-z0-9_-] in a component.
std::filesystem::path sysctl_path(const std::filesystem::path& base, std::string_view name);

// The real /proc/sys of the calling process's network namespace.
class RealProcSys final : public ProcSys {
public:
  explicit RealProcSys(std::filesystem::path base = "/proc/sys") : base_(std::move(base)) {}
  std::string read(std::string_view name) override;
  void write(std::string_view name, std::string_view text) override;

  // Holds the calling thread's network namespace's `net` directory from now on: names under
  // `net.` are then opened below it, in that namespace whichever the thread enters later. The
  // kernel keeps one /proc/sys/net entry per namespace it has shown, all under one name, so
  // each lookup of "net" compares them all: with a thousand namespaces, the one lookup per
  // namespace this leaves is what keeps --all-netns linear.
  void pin_net();

private:
  std::filesystem::path open_path(const std::filesystem::path& path) const;
  std::filesystem::path base_;
  std::optional<std::string> net_; // "/proc/self/fd/N" of the pinned directory
  UniqueFd net_fd_;
};

} // namespace kaltune
