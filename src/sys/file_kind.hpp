#pragma once

// What a path opened for reading turned out to be, and the one refusal of a path that is not a
// regular file: every open of a path a user or a configuration tree supplies is non-blocking and
// examined with fstat before anything is read, so a FIFO, a socket or a device never hangs a run
// and is refused in the same words (exit 4) wherever it is given.

#include "base/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/stat.h>

namespace kaltune {

enum class FileKind { regular, null_device, directory, fifo, socket, device };

// The kind of a file from its fstat(2).
FileKind file_kind(const struct stat& st);

// What stat(2) says of the host path `host` (following symlinks; nothing is opened): its kind, or
// the errno when it fails (ENOENT: it does not exist).
struct PathKind {
  int error = 0;
  FileKind kind = FileKind::regular;
};
PathKind examine_path(const std::filesystem::path& host);

// "a regular file", "/dev/null", "a directory", "a FIFO", "a socket", "a device".
std::string_view kind_name(FileKind kind);

// Error (exit 4) "WHAT is not a regular file (a FIFO)"; `why` is appended after "; " when given.
Error not_regular_file(std::string_view what, FileKind kind, std::string_view why = {});

// Error (exit 4) "WHAT: a symlink loop (more than 40 links)".
Error symlink_loop(std::string_view what);

} // namespace kaltune
