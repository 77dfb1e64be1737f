#pragma once

// The one loop that reads a descriptor to its end (retrying EINTR), for every file kaltune reads
// whole: /proc/sys values, configuration files, the original of an atomic replacement, diff
// sources.

#include "base/error.hpp"
#include "sys/io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <unistd.h>

namespace kaltune {

inline constexpr std::size_t read_unlimited = std::numeric_limits<std::size_t>::max();

// Reads `fd` to its end, or until `max` bytes are read (so a caller that caps the size reads
// max + 1 and compares). `read` has read(2)'s contract (the Posix seam's read in atomic_file).
// Throws SystemError "cannot read WHAT" on a read error.
template <typename Read>
std::string read_fd(int fd, std::string_view what, Read&& read, std::size_t max = read_unlimited) {
  std::string out;
  char buffer[65536];
  while (out.size() < max) {
    const std::size_t want = std::min(sizeof buffer, max - out.size());
    const ssize_t n = retry_eintr([&] { return read(fd, buffer, want); });
    if (n < 0) {
      throw SystemError(errno, fmt::format("cannot read {}", what));
    }
    if (n == 0) {
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

// The same with read(2).
inline std::string read_fd(int fd, std::string_view what, std::size_t max = read_unlimited) {
  return read_fd(fd, what, ::read, max);
}

} // namespace kaltune
