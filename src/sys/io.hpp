#pragma once

// The one home of the loops around system calls that every file access shares: retrying a call
// interrupted by a signal (EINTR), opening with O_CLOEXEC, listing a directory, and writing a
// whole buffer. Reading to the end is sys/read_fd.hpp.

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace kaltune {

// Calls `call` until it does not fail with EINTR; returns its last result (-1 and errno on
// failure, as the system call).
template <typename Call> auto retry_eintr(Call&& call) {
  auto rc = call();
  while (rc < 0 && errno == EINTR) {
    rc = call();
  }
  return rc;
}

// open(2) with O_CLOEXEC, retried on EINTR; -1 and errno on failure.
int open_retrying(const std::filesystem::path& path, int flags, mode_t mode = 0);

// One entry of a directory being listed: its name, its type as readdir(3) says (DT_DIR, DT_LNK,
// …; DT_UNKNOWN where the filesystem does not say) and the directory's descriptor, for *at()
// calls on the entry while the listing runs.
struct DirEntry {
  std::string_view name;
  unsigned char type;
  int dir_fd;
};

// Calls `visit` for each entry of `dir` but "." and "..", as they are read: nothing is kept, so
// a directory of any size costs the same. Returns 0, or the errno of opening the directory
// (nothing visited) or of a failed read (the entries before it were visited).
int for_each_entry(const std::filesystem::path& dir,
                   const std::function<void(const DirEntry&)>& visit);

// The target of the symlink `path`, whole: readlink(2) into a buffer that grows until the target
// fits with room to spare (st_size says 0 for /proc's links, and a link replaced since it was
// looked at may be longer). nullopt with errno set when it cannot be read.
std::optional<std::string> read_link(const std::filesystem::path& path);

// Writes all of `data` to `fd` with `write` (write(2)'s contract, e.g. the Posix seam's), retrying
// EINTR and continuing after short writes. Returns 0, or the errno of the failure (EIO when a
// write makes no progress).
template <typename Write> int write_all(int fd, std::string_view data, Write&& write) {
  while (!data.empty()) {
    const ssize_t n = retry_eintr([&] { return write(fd, data.data(), data.size()); });
    if (n <= 0) {
      return n < 0 ? errno : EIO;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

} // namespace kaltune
