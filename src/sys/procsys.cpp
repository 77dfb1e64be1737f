#include "sys/procsys.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"
#include "sys/read_fd.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace kaltune {

namespace {
bool valid_component(std::string_view part) {
  if (part.empty() || part == "." || part == "..") {
    return false;
  }
  for (char c : part) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

int open_or_throw(const std::filesystem::path& path, int flags, std::string_view what) {
  const int fd = open_retrying(path, flags);
  if (fd < 0) {
    throw SystemError(errno, fmt::format("cannot open {} for {}", path.string(), what));
  }
  return fd;
}
} // namespace

std::filesystem::path sysctl_path(const std::filesystem::path& base, std::string_view name) {
  std::filesystem::path path = base;
  std::string_view rest = name;
  if (!rest.empty() && rest.front() == '/') {
    rest.remove_prefix(1);
  }
  // procps and systemd accept dots or slashes as separators.
  const char separator = rest.find('/') != std::string_view::npos ? '/' : '.';
  while (true) {
    const std::size_t end = rest.find(separator);
    const std::string_view part = rest.substr(0, end);
    if (!valid_component(part)) {
      throw Error(ExitStatus::usage, fmt::format("invalid sysctl name '{}'", printable(name)));
    }
    path /= std::string(part);
    if (end == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(end + 1);
  }
  return path;
}

std::string RealProcSys::read(std::string_view name) {
  const auto path = sysctl_path(base_, name);
  UniqueFd fd(open_or_throw(path, O_RDONLY, "reading"));
  return read_fd(fd.get(), path.string());
}

void RealProcSys::write(std::string_view name, std::string_view text) {
  const auto path = sysctl_path(base_, name);
  UniqueFd fd(open_or_throw(path, O_WRONLY, "writing"));
  // One write(2) on a fresh descriptor (offset 0): the kernel takes the value in one piece.
  const ssize_t n = retry_eintr([&] { return ::write(fd.get(), text.data(), text.size()); });
  if (n < 0) {
    throw SystemError(errno, fmt::format("cannot write '{}' to {}", text, path.string()));
  }
  if (static_cast<std::size_t>(n) != text.size()) {
    throw SystemError(EIO, fmt::format("short write of '{}' to {}", text, path.string()));
  }
}

} // namespace kaltune
