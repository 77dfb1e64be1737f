#include "sys/file_kind.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <sys/sysmacros.h>

namespace kaltune {

FileKind file_kind(const struct stat& st) {
  if (S_ISREG(st.st_mode)) {
    return FileKind::regular;
  }
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
    return FileKind::null_device;
  }
  if (S_ISDIR(st.st_mode)) {
    return FileKind::directory;
  }
  if (S_ISFIFO(st.st_mode)) {
    return FileKind::fifo;
  }
  if (S_ISSOCK(st.st_mode)) {
    return FileKind::socket;
  }
  return FileKind::device;
}

PathKind examine_path(const std::filesystem::path& host) {
  struct stat st {};
  if (::stat(host.c_str(), &st) != 0) {
    return PathKind{errno, FileKind::regular};
  }
  return PathKind{0, file_kind(st)};
}

std::string_view kind_name(FileKind kind) {
  switch (kind) {
  case FileKind::regular:
    return "a regular file";
  case FileKind::null_device:
    return "/dev/null";
  case FileKind::directory:
    return "a directory";
  case FileKind::fifo:
    return "a FIFO";
  case FileKind::socket:
    return "a socket";
  case FileKind::device:
    return "a device";
  }
  return "not a regular file";
}

Error not_regular_file(std::string_view what, FileKind kind, std::string_view why) {
  return Error(ExitStatus::system, fmt::format("{} is not a regular file ({}){}{}", what,
                                               kind_name(kind), why.empty() ? "" : "; ", why));
}

Error symlink_loop(std::string_view what) {
  return Error(ExitStatus::system,
               fmt::format("{}: a symlink loop (more than 40 symlinks to follow)", what));
}

} // namespace kaltune
